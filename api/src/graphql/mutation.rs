//! The frame every mutation runs in: one transaction, one audit row.
//!
//! A mutation begins a write transaction, calls its domain function, and then either commits
//! together with a success audit row, or rolls back and records the refusal in an audit row of
//! its own (a refused change is audited too, and must survive the rollback). Nothing is ever
//! half-written: the domain function sees only the transaction.

use async_graphql::Context;
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use crate::auth::{Origin, Tenant};
use crate::db::{Db, WriteTx};
use crate::domain::audit::{self, Audited, Change, Entry};
use crate::error::{AppError, Result};
use crate::graphql::context::{Services, caller, services};

pub struct Mutation<'a> {
    services: &'a Services,
    tenant: Option<&'a Tenant>,
    origin: &'a Origin,
    action: &'static str,
    target: Option<(&'static str, Uuid)>,
    tx: WriteTx,
}

impl<'a> Mutation<'a> {
    /// Starts an authenticated mutation. An anonymous caller is refused (and audited) here.
    pub async fn begin(ctx: &Context<'a>, action: &'static str) -> Result<(Self, &'a Tenant)> {
        let services = services(ctx);
        let caller = caller(ctx)?;
        let tenant = match caller.tenant() {
            Ok(tenant) => tenant,
            Err(err) => {
                refuse(services, None, caller.origin(), action, None, &err).await;
                return Err(err);
            }
        };
        let tx = services.db.begin_write().await?;
        let origin = &tenant.origin;
        Ok((
            Self {
                services,
                tenant: Some(tenant),
                origin,
                action,
                target: None,
                tx,
            },
            tenant,
        ))
    }

    /// Starts a mutation that needs no credentials (sign-up).
    pub async fn begin_public(
        ctx: &Context<'a>,
        action: &'static str,
    ) -> Result<(Self, &'a Origin)> {
        let services = services(ctx);
        let origin = caller(ctx)?.origin();
        let tx = services.db.begin_write().await?;
        Ok((
            Self {
                services,
                tenant: None,
                origin,
                action,
                target: None,
                tx,
            },
            origin,
        ))
    }

    /// Names the resource a refused mutation was aimed at, for its audit row.
    pub fn target(mut self, resource_type: &'static str, id: Uuid) -> Self {
        self.target = Some((resource_type, id));
        self
    }

    /// Like [`Self::target`], from a client-supplied ID; a malformed one names no target (the
    /// domain call then reports it as BAD_USER_INPUT).
    pub fn aim(self, resource_type: &'static str, id: &async_graphql::ID) -> Self {
        match Uuid::try_parse(id.as_str()) {
            Ok(id) => self.target(resource_type, id),
            Err(_) => self,
        }
    }

    pub fn tx(&self) -> &DatabaseTransaction {
        &self.tx.tx
    }

    /// Commits with a success row and then publishes the change's events, or rolls back and
    /// records the refusal.
    pub async fn finish<T>(self, result: Result<Audited<T>>) -> async_graphql::Result<T> {
        let Self {
            services,
            tenant,
            origin,
            action,
            target,
            tx,
        } = self;
        match result {
            Ok(Audited {
                value,
                change,
                events,
            }) => {
                let entry = Entry {
                    action,
                    tenant,
                    origin,
                    change,
                    error_code: None,
                };
                audit::record(&tx.tx, entry).await?;
                tx.commit().await?;
                // After the commit: subscribers must never see a change that could still roll back.
                for event in events {
                    services.events.publish(event).await;
                }
                Ok(value)
            }
            Err(err) => {
                // Dropping the transaction releases the SQLite write gate before the audit write.
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = ?rollback, "rollback failed");
                }
                refuse(services, tenant, origin, action, target, &err).await;
                Err(err.into())
            }
        }
    }
}

/// Records a refused mutation. Failing to write the audit row must not turn the client's error
/// into a different one, so it is logged instead.
pub async fn refuse(
    services: &Services,
    tenant: Option<&Tenant>,
    origin: &Origin,
    action: &str,
    target: Option<(&'static str, Uuid)>,
    err: &AppError,
) {
    let change = match target {
        Some((kind, id)) => Change::of(kind, id),
        None => Change::default(),
    };
    record_outside(
        &services.db,
        tenant,
        origin,
        action,
        change,
        Some(err.code().as_str()),
    )
    .await;
}

/// Writes an audit row in its own autocommitted statement.
pub async fn record_outside(
    db: &Db,
    tenant: Option<&Tenant>,
    origin: &Origin,
    action: &str,
    change: Change,
    error_code: Option<&'static str>,
) {
    let _gate = db.gate().await;
    let entry = Entry {
        action,
        tenant,
        origin,
        change,
        error_code,
    };
    if let Err(e) = audit::record(&db.conn, entry).await {
        tracing::error!(error = ?e, action, "failed to write an audit row");
    }
}
