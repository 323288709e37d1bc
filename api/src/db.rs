//! The database handle: connection pool, migrations, and the write gate for SQLite.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use migration::Migrator;
use migration::sea_orm_migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::Result;

/// The pool plus what the application needs around it.
#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// SQLite allows one writer at a time, and a deferred transaction that upgrades to a writer
    /// while another holds the lock fails with SQLITE_BUSY at once (busy_timeout cannot help a
    /// lock upgrade). Serialising write transactions inside the process avoids that without
    /// giving up concurrent readers (WAL). PostgreSQL needs no gate.
    write_gate: Option<Arc<Mutex<()>>>,
    statements: Arc<AtomicU64>,
    url: Arc<str>,
}

/// A write transaction; holds the SQLite write gate until dropped.
pub struct WriteTx {
    pub tx: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let sqlite = url.starts_with("sqlite:");
        Self::open(
            url,
            if sqlite { 8 } else { 32 },
            sqlite.then(|| Arc::new(Mutex::new(()))),
            Arc::new(AtomicU64::new(0)),
        )
        .await
    }

    /// A pool of its own to the same database, sharing this one's write gate and statement
    /// count, for work that runs on a runtime of its own: a tokio socket stays with the runtime
    /// that opened it, and is only served while that runtime's threads get to it. SQLite's
    /// connections run on threads of their own, so SQLite shares this pool instead.
    pub async fn own_pool(&self, max_connections: u32) -> anyhow::Result<Self> {
        if self.backend() != DbBackend::Postgres {
            return Ok(self.clone());
        }
        Self::open(
            &self.url,
            max_connections,
            self.write_gate.clone(),
            self.statements.clone(),
        )
        .await
    }

    async fn open(
        url: &str,
        max_connections: u32,
        write_gate: Option<Arc<Mutex<()>>>,
        statements: Arc<AtomicU64>,
    ) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .max_connections(max_connections)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10));
        if url.starts_with("sqlite:") {
            options.map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        } else {
            options.map_sqlx_postgres_pool_opts(|pool| {
                pool.after_connect(|conn, _| Box::pin(nodelay::set(conn)))
            });
        }
        let mut conn = sea_orm::Database::connect(options)
            .await
            .with_context(|| format!("failed to connect to the database at {}", redact(url)))?;
        let counter = statements.clone();
        // Counting statements costs one atomic add; it backs the N+1 tests and /metrics.
        conn.set_metric_callback(move |_info| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok(Self {
            conn,
            write_gate,
            statements,
            url: url.into(),
        })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        Migrator::up(&self.conn, None)
            .await
            .context("failed to apply migrations")
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// How many SQL statements this pool has executed since start.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub async fn begin_write(&self) -> Result<WriteTx> {
        let gate = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        // The gate serialises the writers of this process only. Another process (a second
        // replica on the same file) can still hold the write lock, and a deferred transaction
        // that read first and then upgrades fails at once with SQLITE_BUSY. An IMMEDIATE one
        // takes the write lock at BEGIN, where busy_timeout does wait for the other writer.
        let tx = if gate.is_some() {
            self.conn
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await?
        } else {
            self.conn.begin().await?
        };
        Ok(WriteTx { tx, _gate: gate })
    }

    /// Runs one autocommitted write outside any request transaction (an audit row for a refused
    /// mutation, a failed-login counter), respecting the SQLite write gate.
    pub async fn gate(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        }
    }

    pub async fn ping(&self) -> Result<()> {
        self.conn.execute_unprepared("SELECT 1").await?;
        Ok(())
    }
}

/// TCP_NODELAY on every PostgreSQL connection.
///
/// sqlx 0.9.0 stopped setting it (transact-rs/sqlx#4335; the fix, #4336, is merged but not
/// released), and offers no hook to set it. Without it, a statement whose message ends in a
/// short TCP segment (the array-bound ingest statements of a few dozen KiB, for instance) waits
/// for the server's delayed ACK: about 40 ms per such statement, which was most of the latency
/// of an ingest call. Delete this module once sqlx sets the option again.
///
/// sqlx does not expose the socket, so the connection is found from the outside: PostgreSQL
/// tells the connection's two ports, `/proc/self/net/tcp{,6}` the socket inode of that pair,
/// and `/proc/self/fd` the descriptor of that inode. All of it is read-only except the final
/// `setsockopt`, on a descriptor that stays open because the connection is ours for the
/// duration of the call. Connections over a Unix socket (no ports) and other platforms are left
/// as they are. A failure is logged, never fatal: the option is a latency fix, not a
/// correctness one.
mod nodelay {
    use sea_orm::sqlx::{self, PgConnection};

    pub async fn set(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let ports: (Option<i32>, Option<i32>) =
            sqlx::query_as("SELECT inet_client_port(), inet_server_port()")
                .fetch_one(&mut *conn)
                .await?;
        if let (Some(local), Some(remote)) = ports
            && let Err(error) = set_on(local, remote)
        {
            tracing::debug!(%error, "could not set TCP_NODELAY on a database connection");
        }
        Ok(())
    }

    #[cfg(target_os = "linux")]
    fn set_on(local: i32, remote: i32) -> std::io::Result<()> {
        use std::os::fd::BorrowedFd;
        let Some(inode) = ["/proc/self/net/tcp", "/proc/self/net/tcp6"]
            .iter()
            .filter_map(|table| std::fs::read_to_string(table).ok())
            .find_map(|table| inode_of(&table, local, remote))
        else {
            return Ok(());
        };
        let link = format!("socket:[{inode}]");
        for entry in std::fs::read_dir("/proc/self/fd")?.flatten() {
            let Ok(target) = std::fs::read_link(entry.path()) else {
                continue;
            };
            if target.as_os_str() != link.as_str() {
                continue;
            }
            let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            // SAFETY: this descriptor refers to the socket of `conn`, which the caller holds
            // exclusively for the whole call, so it stays open while it is borrowed here.
            let fd = unsafe { BorrowedFd::borrow_raw(fd) };
            return socket2::SockRef::from(&fd).set_tcp_nodelay(true);
        }
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn set_on(_local: i32, _remote: i32) -> std::io::Result<()> {
        Ok(())
    }

    /// The inode of the socket with these local and remote ports in a `/proc/net/tcp` table
    /// (`sl local_address rem_address st ... inode`, addresses as `HEXADDR:HEXPORT`).
    pub(super) fn inode_of(table: &str, local: i32, remote: i32) -> Option<u64> {
        let port = |address: &str| {
            address
                .rsplit_once(':')
                .and_then(|(_, p)| i32::from_str_radix(p, 16).ok())
        };
        table.lines().skip(1).find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local_address, remote_address, inode) =
                (fields.get(1)?, fields.get(2)?, fields.get(9)?);
            (port(local_address)? == local && port(remote_address)? == remote)
                .then(|| inode.parse().ok())
                .flatten()
        })
    }
}

/// The URL without its password, for error messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_socket_of_a_port_pair_is_found_in_a_proc_net_tcp_table() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   108        0 2101 1 0000000000000000 100 0 0 10 0
   1: 0100007F:C350 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 20 4 30 10 -1
";
        // 0x1538 = 5432, 0xC350 = 50000.
        assert_eq!(super::nodelay::inode_of(table, 50000, 5432), Some(4242));
        assert_eq!(super::nodelay::inode_of(table, 5432, 0), Some(2101));
        assert_eq!(super::nodelay::inode_of(table, 50001, 5432), None);
        assert_eq!(super::nodelay::inode_of("", 1, 2), None);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }
}
