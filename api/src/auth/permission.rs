//! The Permission model: one set of permissions, reached by people through roles and by
//! integrations through API-key scopes. Every resolver asks for exactly one permission.

use entity::Role;

/// What an action needs. Roles and scopes both resolve to sets of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Permission {
    OrgRead,
    OrgManage,
    OrgDelete,
    MembersRead,
    MembersManage,
    ApiKeysManage,
    AuditRead,
    SitesRead,
    SitesWrite,
    AssetsRead,
    AssetsWrite,
    TelemetryRead,
    TelemetryWrite,
    AlertsRead,
    AlertsAck,
    AlertRulesWrite,
    JobsRead,
    JobsWrite,
    JobsProgress,
    CommandsRead,
    CommandsWrite,
    /// What a device does with its commands: receive, acknowledge, report the result.
    CommandsExecute,
    MaintenanceRead,
    MaintenanceWrite,
    /// Start and complete maintenance assigned to oneself.
    MaintenanceWork,
    SessionsRead,
    /// Start, extend and end one's own machine sessions.
    SessionsRun,
    /// End anyone's machine session.
    SessionsManage,
    EstopTrigger,
    EstopReset,
}

impl Permission {
    const fn bit(self) -> u64 {
        1 << (self as u8)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::OrgRead => "org:read",
            Self::OrgManage => "org:manage",
            Self::OrgDelete => "org:delete",
            Self::MembersRead => "members:read",
            Self::MembersManage => "members:manage",
            Self::ApiKeysManage => "api_keys:manage",
            Self::AuditRead => "audit:read",
            Self::SitesRead => "sites:read",
            Self::SitesWrite => "sites:write",
            Self::AssetsRead => "assets:read",
            Self::AssetsWrite => "assets:write",
            Self::TelemetryRead => "telemetry:read",
            Self::TelemetryWrite => "telemetry:write",
            Self::AlertsRead => "alerts:read",
            Self::AlertsAck => "alerts:ack",
            Self::AlertRulesWrite => "alert_rules:write",
            Self::JobsRead => "jobs:read",
            Self::JobsWrite => "jobs:write",
            Self::JobsProgress => "jobs:progress",
            Self::CommandsRead => "commands:read",
            Self::CommandsWrite => "commands:write",
            Self::CommandsExecute => "commands:execute",
            Self::MaintenanceRead => "maintenance:read",
            Self::MaintenanceWrite => "maintenance:write",
            Self::MaintenanceWork => "maintenance:work",
            Self::SessionsRead => "sessions:read",
            Self::SessionsRun => "sessions:run",
            Self::SessionsManage => "sessions:manage",
            Self::EstopTrigger => "estop:trigger",
            Self::EstopReset => "estop:reset",
        }
    }
}

/// A set of permissions as a bitset: checking one is a single AND on the hot path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u64);

impl PermissionSet {
    pub const fn of(perms: &[Permission]) -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < perms.len() {
            bits |= perms[i].bit();
            i += 1;
        }
        Self(bits)
    }

    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub const fn contains(self, perm: Permission) -> bool {
        self.0 & perm.bit() != 0
    }
}

use Permission::*;

const VIEWER: PermissionSet = PermissionSet::of(&[
    OrgRead,
    MembersRead,
    SitesRead,
    AssetsRead,
    TelemetryRead,
    AlertsRead,
    JobsRead,
    CommandsRead,
    MaintenanceRead,
    SessionsRead,
]);
const OPERATOR: PermissionSet = VIEWER.union(PermissionSet::of(&[
    AlertsAck,
    JobsProgress,
    MaintenanceWork,
    SessionsRun,
    EstopTrigger,
]));
const ENGINEER: PermissionSet = OPERATOR.union(PermissionSet::of(&[
    SitesWrite,
    AssetsWrite,
    TelemetryWrite,
    AlertRulesWrite,
    JobsWrite,
    CommandsWrite,
    CommandsExecute,
    MaintenanceWrite,
    EstopReset,
]));
const ADMIN: PermissionSet = ENGINEER.union(PermissionSet::of(&[
    SessionsManage,
    OrgManage,
    MembersManage,
    ApiKeysManage,
    AuditRead,
]));
const OWNER: PermissionSet = ADMIN.union(PermissionSet::of(&[OrgDelete]));

pub fn role_permissions(role: Role) -> PermissionSet {
    match role {
        Role::Viewer => VIEWER,
        Role::Operator => OPERATOR,
        Role::Engineer => ENGINEER,
        Role::Admin => ADMIN,
        Role::Owner => OWNER,
    }
}

/// Rank of a role, to stop an admin from granting or touching a role above their own.
pub fn role_rank(role: Role) -> u8 {
    match role {
        Role::Viewer => 0,
        Role::Operator => 1,
        Role::Engineer => 2,
        Role::Admin => 3,
        Role::Owner => 4,
    }
}

/// API-key scopes. Deliberately no scope manages members, keys or the organization: those stay
/// with people, so a leaked integration key cannot mint more keys or invite itself an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    OrgRead,
    SitesRead,
    SitesWrite,
    AssetsRead,
    AssetsWrite,
    TelemetryRead,
    TelemetryWrite,
    AlertsRead,
    AlertsWrite,
    JobsRead,
    JobsWrite,
    CommandsRead,
    CommandsWrite,
    CommandsExecute,
    MaintenanceRead,
    MaintenanceWrite,
    SessionsRead,
    EstopTrigger,
    AuditRead,
}

impl Scope {
    pub const ALL: [Scope; 19] = [
        Scope::OrgRead,
        Scope::SitesRead,
        Scope::SitesWrite,
        Scope::AssetsRead,
        Scope::AssetsWrite,
        Scope::TelemetryRead,
        Scope::TelemetryWrite,
        Scope::AlertsRead,
        Scope::AlertsWrite,
        Scope::JobsRead,
        Scope::JobsWrite,
        Scope::CommandsRead,
        Scope::CommandsWrite,
        Scope::CommandsExecute,
        Scope::MaintenanceRead,
        Scope::MaintenanceWrite,
        Scope::SessionsRead,
        Scope::EstopTrigger,
        Scope::AuditRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OrgRead => "org:read",
            Scope::SitesRead => "sites:read",
            Scope::SitesWrite => "sites:write",
            Scope::AssetsRead => "assets:read",
            Scope::AssetsWrite => "assets:write",
            Scope::TelemetryRead => "telemetry:read",
            Scope::TelemetryWrite => "telemetry:write",
            Scope::AlertsRead => "alerts:read",
            Scope::AlertsWrite => "alerts:write",
            Scope::JobsRead => "jobs:read",
            Scope::JobsWrite => "jobs:write",
            Scope::CommandsRead => "commands:read",
            Scope::CommandsWrite => "commands:write",
            Scope::CommandsExecute => "commands:execute",
            Scope::MaintenanceRead => "maintenance:read",
            Scope::MaintenanceWrite => "maintenance:write",
            Scope::SessionsRead => "sessions:read",
            Scope::EstopTrigger => "estop:trigger",
            Scope::AuditRead => "audit:read",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// A write scope includes the matching read, as integrators expect.
    pub fn permissions(self) -> PermissionSet {
        match self {
            Scope::OrgRead => PermissionSet::of(&[OrgRead]),
            Scope::SitesRead => PermissionSet::of(&[SitesRead]),
            Scope::SitesWrite => PermissionSet::of(&[SitesRead, SitesWrite]),
            Scope::AssetsRead => PermissionSet::of(&[AssetsRead, SitesRead]),
            Scope::AssetsWrite => PermissionSet::of(&[AssetsRead, AssetsWrite, SitesRead]),
            Scope::TelemetryRead => PermissionSet::of(&[TelemetryRead, AssetsRead, SitesRead]),
            Scope::TelemetryWrite => {
                PermissionSet::of(&[TelemetryWrite, TelemetryRead, AssetsRead, SitesRead])
            }
            Scope::AlertsRead => PermissionSet::of(&[AlertsRead]),
            Scope::AlertsWrite => PermissionSet::of(&[AlertsRead, AlertsAck]),
            Scope::JobsRead => PermissionSet::of(&[JobsRead, AssetsRead]),
            // Devices report progress; an MES also creates and steers jobs.
            Scope::JobsWrite => PermissionSet::of(&[JobsRead, JobsProgress, JobsWrite, AssetsRead]),
            Scope::CommandsRead => PermissionSet::of(&[CommandsRead, AssetsRead]),
            Scope::CommandsWrite => PermissionSet::of(&[CommandsRead, CommandsWrite, AssetsRead]),
            // A device's key: receive, acknowledge and complete its commands.
            Scope::CommandsExecute => {
                PermissionSet::of(&[CommandsRead, CommandsExecute, AssetsRead])
            }
            Scope::MaintenanceRead => PermissionSet::of(&[MaintenanceRead, AssetsRead]),
            Scope::MaintenanceWrite => PermissionSet::of(&[
                MaintenanceRead,
                MaintenanceWrite,
                MaintenanceWork,
                AssetsRead,
            ]),
            Scope::SessionsRead => PermissionSet::of(&[SessionsRead, AssetsRead]),
            // A safety controller (PLC, light curtain) reporting a stop.
            Scope::EstopTrigger => PermissionSet::of(&[EstopTrigger, AssetsRead, SitesRead]),
            Scope::AuditRead => PermissionSet::of(&[AuditRead]),
        }
    }
}

pub fn scope_permissions(scopes: &[Scope]) -> PermissionSet {
    scopes.iter().fold(PermissionSet::default(), |acc, s| {
        acc.union(s.permissions())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_cumulative() {
        let order = [
            Role::Viewer,
            Role::Operator,
            Role::Engineer,
            Role::Admin,
            Role::Owner,
        ];
        for pair in order.windows(2) {
            let (lower, higher) = (role_permissions(pair[0]), role_permissions(pair[1]));
            assert_eq!(
                lower.union(higher),
                higher,
                "{:?} is not within {:?}",
                pair[0],
                pair[1]
            );
            assert!(role_rank(pair[0]) < role_rank(pair[1]));
        }
    }

    #[test]
    fn the_design_table_holds() {
        assert!(role_permissions(Role::Viewer).contains(AssetsRead));
        assert!(!role_permissions(Role::Viewer).contains(AlertsAck));
        assert!(role_permissions(Role::Operator).contains(AlertsAck));
        assert!(!role_permissions(Role::Operator).contains(SitesWrite));
        assert!(role_permissions(Role::Engineer).contains(TelemetryWrite));
        assert!(!role_permissions(Role::Engineer).contains(MembersManage));
        assert!(role_permissions(Role::Admin).contains(AuditRead));
        assert!(!role_permissions(Role::Admin).contains(OrgDelete));
        assert!(role_permissions(Role::Owner).contains(OrgDelete));
    }

    #[test]
    fn scopes_round_trip_and_never_manage_people() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            let perms = scope.permissions();
            assert!(!perms.contains(MembersManage));
            assert!(!perms.contains(ApiKeysManage));
        }
        assert_eq!(Scope::parse("root"), None);
        let perms = scope_permissions(&[Scope::TelemetryWrite]);
        assert!(perms.contains(TelemetryWrite));
        assert!(!perms.contains(AssetsWrite));
    }
}
