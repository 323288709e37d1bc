//! Authentication and authorization: password hashing, opaque tokens, the Permission model and
//! the resolved caller (`Tenant`) that every domain function receives.

pub mod password;
pub mod permission;
pub mod tenant;
pub mod throttle;
pub mod tokens;

pub use password::PasswordHasher;
pub use permission::{Permission, Scope};
pub use tenant::{Actor, Caller, Origin, Tenant};
pub use throttle::CredentialThrottle;
