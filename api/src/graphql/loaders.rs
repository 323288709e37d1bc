//! DataLoaders: every relation is fetched in one statement per request level, whatever the length
//! of the list it hangs off (docs/ARCHITECTURE.md §5.5). One loader per request, holding the
//! caller, so that batched reads are tenant-scoped exactly like single ones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use futures::future::{BoxFuture, FutureExt, Shared, join_all};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Tenant;
use crate::db::Db;
use crate::domain::{assets as asset_domain, members, sites as site_domain, zones as zone_domain};
use crate::error::AppError;
use entity::{
    AssetStatus, api_keys, assets, estop_assets, machine_sessions, machines, memberships, robots,
    sites, telemetry_latest, users, zones,
};

pub struct AppLoader {
    db: Db,
    tenant: Tenant,
    sites: Memo<sites::Model>,
    zones: Memo<zones::Model>,
}

type SharedLoad<V> =
    Shared<BoxFuture<'static, Result<Arc<HashMap<Uuid, V>>, async_graphql::Error>>>;

/// Rows by id that one request has loaded or is loading.
///
/// The DataLoader's cache only knows finished loads. A row reachable by two paths of different
/// depth (`asset.site` and `asset.zone.site`) is asked for again when the second path gets
/// there while the first batch is still running, and whether that happens depends on which
/// query the database answers first. Remembering loads in flight makes the second batch wait
/// for the first instead, so a query costs the same statements every time it runs.
struct Memo<V> {
    loads: Mutex<HashMap<Uuid, SharedLoad<V>>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Self {
            loads: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone + Send + Sync + 'static> Memo<V> {
    /// The rows of `ids` (absent ones left out), querying with `fetch` only for ids that no
    /// earlier batch of this request has asked for.
    async fn get(
        &self,
        ids: &[Uuid],
        id_of: fn(&V) -> Uuid,
        fetch: impl FnOnce(Vec<Uuid>) -> BoxFuture<'static, Result<Vec<V>, async_graphql::Error>>,
    ) -> Result<HashMap<Uuid, V>, async_graphql::Error> {
        let mut waits: Vec<SharedLoad<V>> = Vec::new();
        {
            let mut loads = self.loads.lock().unwrap_or_else(|e| e.into_inner());
            let mut missing = Vec::new();
            for id in ids {
                match loads.get(id) {
                    Some(load) if !waits.iter().any(|w| w.ptr_eq(load)) => waits.push(load.clone()),
                    Some(_) => {}
                    None => missing.push(*id),
                }
            }
            if !missing.is_empty() {
                let load = fetch(missing.clone())
                    .map(move |rows| {
                        rows.map(|rows| {
                            Arc::new(rows.into_iter().map(|r| (id_of(&r), r)).collect())
                        })
                    })
                    .boxed()
                    .shared();
                for id in missing {
                    loads.insert(id, load.clone());
                }
                waits.push(load);
            }
        }
        let mut out = HashMap::with_capacity(ids.len());
        for rows in join_all(waits).await {
            let rows = rows?;
            for id in ids {
                if let Some(row) = rows.get(id) {
                    out.insert(*id, row.clone());
                }
            }
        }
        Ok(out)
    }
}

pub type Loaders = DataLoader<AppLoader, HashMapCache>;

/// How long a loader waits to collect keys before querying. Sibling fields of a list are
/// resolved concurrently and enqueue their keys in the same poll, so a short window suffices;
/// async-graphql's default of 1 ms would add a millisecond per nesting level to every query.
pub const BATCH_DELAY: Duration = Duration::from_micros(100);

/// How many turns on the executor a batch waits before its delay starts.
///
/// A list resolves its items through `FuturesUnordered`, which yields to the executor after
/// polling 32 of them. If the batch's timer ran out during that poll, the batch would start
/// at the yield with only the first 32 items' keys and the rest would need a second batch: the
/// statement count would grow with the list after all. Each yield here lets the resolving task
/// run once more first, so up to `32 * BATCH_YIELDS` siblings share a batch however slow the
/// poll; a yield costs microseconds, not a timer tick.
pub const BATCH_YIELDS: usize = 8;

fn spawn_batch(batch: BoxFuture<'static, ()>) {
    tokio::spawn(async move {
        for _ in 0..BATCH_YIELDS {
            tokio::task::yield_now().await;
        }
        batch.await;
    });
}

pub fn loaders(db: Db, tenant: Tenant) -> Loaders {
    DataLoader::with_cache(
        AppLoader {
            db,
            tenant,
            sites: Memo::default(),
            zones: Memo::default(),
        },
        spawn_batch,
        HashMapCache::default(),
    )
    .delay(BATCH_DELAY)
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

fn err(e: impl Into<AppError>) -> async_graphql::Error {
    e.into().into()
}

macro_rules! key {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub Uuid);
    )*};
}

key!(
    AssetKey,
    LatestOfAsset,
    SiteKey,
    ZoneKey,
    ZonesOfSite,
    AssetsOfZone,
    StatusCountsOfSite,
    RobotKey,
    MachineKey,
    UserKey,
    SitesOfMember,
    ApiKeyKey,
    AlertRuleKey,
    ActiveSessionOfMachine,
    HaltedByEstop,
);

impl AppLoader {
    fn ids<K: Copy>(keys: &[K], f: impl Fn(K) -> Uuid) -> Vec<Uuid> {
        keys.iter().copied().map(f).collect()
    }
}

impl Loader<SiteKey> for AppLoader {
    type Value = sites::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SiteKey]) -> LoadResult<SiteKey, Self::Value> {
        let (db, tenant) = (self.db.clone(), self.tenant.clone());
        let rows = self
            .sites
            .get(
                &Self::ids(keys, |k| k.0),
                |s| s.id,
                move |ids| {
                    async move {
                        site_domain::visible(&tenant)
                            .filter(sites::Column::Id.is_in(ids))
                            .all(&db.conn)
                            .await
                            .map_err(err)
                    }
                    .boxed()
                },
            )
            .await?;
        Ok(rows.into_iter().map(|(id, r)| (SiteKey(id), r)).collect())
    }
}

impl Loader<ZoneKey> for AppLoader {
    type Value = zones::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ZoneKey]) -> LoadResult<ZoneKey, Self::Value> {
        let (db, tenant) = (self.db.clone(), self.tenant.clone());
        let rows = self
            .zones
            .get(
                &Self::ids(keys, |k| k.0),
                |z| z.id,
                move |ids| {
                    async move {
                        zone_domain::visible(&tenant)
                            .filter(zones::Column::Id.is_in(ids))
                            .all(&db.conn)
                            .await
                            .map_err(err)
                    }
                    .boxed()
                },
            )
            .await?;
        Ok(rows.into_iter().map(|(id, r)| (ZoneKey(id), r)).collect())
    }
}

impl Loader<ZonesOfSite> for AppLoader {
    type Value = Vec<zones::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ZonesOfSite]) -> LoadResult<ZonesOfSite, Self::Value> {
        let rows = zone_domain::visible(&self.tenant)
            .filter(zones::Column::SiteId.is_in(Self::ids(keys, |k| k.0)))
            .order_by_asc(zones::Column::Code)
            .all(&self.db.conn)
            .await
            .map_err(err)?;
        let mut out: HashMap<ZonesOfSite, Vec<zones::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            out.entry(ZonesOfSite(row.site_id)).or_default().push(row);
        }
        Ok(out)
    }
}

impl Loader<AssetsOfZone> for AppLoader {
    type Value = Vec<assets::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AssetsOfZone]) -> LoadResult<AssetsOfZone, Self::Value> {
        let rows = asset_domain::visible(&self.tenant)
            .filter(assets::Column::ZoneId.is_in(Self::ids(keys, |k| k.0)))
            .filter(assets::Column::ArchivedAt.is_null())
            .order_by_asc(assets::Column::Code)
            .all(&self.db.conn)
            .await
            .map_err(err)?;
        let mut out: HashMap<AssetsOfZone, Vec<assets::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            if let Some(zone) = row.zone_id {
                out.entry(AssetsOfZone(zone)).or_default().push(row);
            }
        }
        Ok(out)
    }
}

impl Loader<StatusCountsOfSite> for AppLoader {
    type Value = Vec<(AssetStatus, i64)>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[StatusCountsOfSite],
    ) -> LoadResult<StatusCountsOfSite, Self::Value> {
        let rows =
            asset_domain::status_counts(&self.db.conn, &self.tenant, &Self::ids(keys, |k| k.0))
                .await
                .map_err(err)?;
        let mut out: HashMap<StatusCountsOfSite, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (site, status, n) in rows {
            out.entry(StatusCountsOfSite(site))
                .or_default()
                .push((status, n));
        }
        Ok(out)
    }
}

impl Loader<RobotKey> for AppLoader {
    type Value = robots::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[RobotKey]) -> LoadResult<RobotKey, Self::Value> {
        let rows = robots::Entity::find()
            .filter(robots::Column::AssetId.is_in(Self::ids(keys, |k| k.0)))
            .all(&self.db.conn)
            .await
            .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| (RobotKey(r.asset_id), r))
            .collect())
    }
}

impl Loader<MachineKey> for AppLoader {
    type Value = machines::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MachineKey]) -> LoadResult<MachineKey, Self::Value> {
        let rows = machines::Entity::find()
            .filter(machines::Column::AssetId.is_in(Self::ids(keys, |k| k.0)))
            .all(&self.db.conn)
            .await
            .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| (MachineKey(r.asset_id), r))
            .collect())
    }
}

impl Loader<UserKey> for AppLoader {
    type Value = users::Model;
    type Error = async_graphql::Error;

    /// Users are global identities, belonging to themselves: an organization sees a user's
    /// profile only while they are its member. A former member (an audit actor, an alert's
    /// acknowledger, a task's assignee ...) or anyone else resolves to nothing, and the field
    /// showing them is null; the rows keep the id.
    async fn load(&self, keys: &[UserKey]) -> LoadResult<UserKey, Self::Value> {
        let rows = users::Entity::find()
            .inner_join(memberships::Entity)
            .filter(memberships::Column::OrganizationId.eq(self.tenant.organization_id))
            .filter(users::Column::Id.is_in(Self::ids(keys, |k| k.0)))
            .all(&self.db.conn)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (UserKey(r.id), r)).collect())
    }
}

impl Loader<SitesOfMember> for AppLoader {
    type Value = Vec<Uuid>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SitesOfMember]) -> LoadResult<SitesOfMember, Self::Value> {
        let rows = members::sites_of_memberships(&self.db.conn, &Self::ids(keys, |k| k.0))
            .await
            .map_err(err)?;
        let mut out: HashMap<SitesOfMember, Vec<Uuid>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            out.entry(SitesOfMember(row.membership_id))
                .or_default()
                .push(row.site_id);
        }
        Ok(out)
    }
}

impl Loader<ApiKeyKey> for AppLoader {
    type Value = api_keys::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ApiKeyKey]) -> LoadResult<ApiKeyKey, Self::Value> {
        let rows = crate::domain::scoped::<api_keys::Entity>(self.tenant.organization_id)
            .filter(api_keys::Column::Id.is_in(Self::ids(keys, |k| k.0)))
            .all(&self.db.conn)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (ApiKeyKey(r.id), r)).collect())
    }
}

impl Loader<AssetKey> for AppLoader {
    type Value = assets::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AssetKey]) -> LoadResult<AssetKey, Self::Value> {
        let rows = asset_domain::visible(&self.tenant)
            .filter(assets::Column::Id.is_in(Self::ids(keys, |k| k.0)))
            .all(&self.db.conn)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (AssetKey(r.id), r)).collect())
    }
}

impl Loader<LatestOfAsset> for AppLoader {
    type Value = Vec<telemetry_latest::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[LatestOfAsset]) -> LoadResult<LatestOfAsset, Self::Value> {
        let rows = crate::domain::telemetry::latest_of(
            &self.db.conn,
            &self.tenant,
            &Self::ids(keys, |k| k.0),
        )
        .await
        .map_err(err)?;
        let mut out: HashMap<LatestOfAsset, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            out.entry(LatestOfAsset(row.asset_id))
                .or_default()
                .push(row);
        }
        Ok(out)
    }
}

impl Loader<AlertRuleKey> for AppLoader {
    type Value = entity::alert_rules::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AlertRuleKey]) -> LoadResult<AlertRuleKey, Self::Value> {
        let rows = crate::domain::alerts::rules_by_ids(
            &self.db.conn,
            &self.tenant,
            &Self::ids(keys, |k| k.0),
        )
        .await
        .map_err(err)?;
        Ok(rows.into_iter().map(|r| (AlertRuleKey(r.id), r)).collect())
    }
}

impl Loader<ActiveSessionOfMachine> for AppLoader {
    type Value = machine_sessions::Model;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ActiveSessionOfMachine],
    ) -> LoadResult<ActiveSessionOfMachine, Self::Value> {
        let rows = crate::domain::machine_sessions::active_of(
            &self.db.conn,
            &self.tenant,
            &Self::ids(keys, |k| k.0),
        )
        .await
        .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| (ActiveSessionOfMachine(r.machine_id), r))
            .collect())
    }
}

impl Loader<HaltedByEstop> for AppLoader {
    type Value = Vec<estop_assets::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[HaltedByEstop]) -> LoadResult<HaltedByEstop, Self::Value> {
        let rows =
            crate::domain::estop::assets_of(&self.db.conn, &self.tenant, &Self::ids(keys, |k| k.0))
                .await
                .map_err(err)?;
        let mut out: HashMap<HaltedByEstop, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            out.entry(HaltedByEstop(row.estop_id))
                .or_default()
                .push(row);
        }
        Ok(out)
    }
}
