//! Opaque bearer secrets: session access tokens, refresh tokens, API keys and invitation tokens.
//!
//! Each is 256 random bits behind a readable prefix (`fga_`, `fgr_`, `fgk_`, `fgi_`) so that a leaked
//! secret is recognisable in logs and by secret scanners. Only the SHA-256 of a secret is stored:
//! a database dump does not yield usable credentials, and lookup by hash is an index probe
//! (a slow hash is unnecessary for 256-bit random secrets).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const ACCESS_PREFIX: &str = "fga_";
pub const REFRESH_PREFIX: &str = "fgr_";
pub const API_KEY_PREFIX: &str = "fgk_";
pub const INVITATION_PREFIX: &str = "fgi_";

/// 32 random bytes, base64url without padding (43 characters).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Hex SHA-256, the stored form of every secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn new_access_token() -> String {
    format!("{ACCESS_PREFIX}{}", random_secret())
}

/// A refresh token names its session so that presenting a superseded token can be recognised
/// as reuse (and the session revoked) rather than merely as an unknown token.
pub fn new_refresh_token(session_id: Uuid) -> String {
    format!(
        "{REFRESH_PREFIX}{}_{}",
        session_id.simple(),
        random_secret()
    )
}

/// The access and refresh tokens that replace `refresh_token` when it is rotated, derived from
/// it: presenting the same refresh token again (a client retrying after a lost response) yields
/// the same pair, so the server can answer a retry identically without storing any secret.
///
/// Each is SHA-256 over a distinct label and the old token. The old token carries 256 random
/// bits, so the derived secrets are as unpredictable as random ones to anyone who does not hold
/// it, and neither reveals the other nor the old token. (Whoever holds the old token can compute
/// its successors, which is no more than they could get by presenting it.)
pub fn successors(refresh_token: &str, session_id: Uuid) -> (String, String) {
    let derive = |label: &str| {
        let mut hasher = Sha256::new();
        hasher.update(label.as_bytes());
        hasher.update([0u8]);
        hasher.update(refresh_token.as_bytes());
        URL_SAFE_NO_PAD.encode(hasher.finalize())
    };
    (
        format!(
            "{ACCESS_PREFIX}{}",
            derive("fleetgraph rotated access token")
        ),
        format!(
            "{REFRESH_PREFIX}{}_{}",
            session_id.simple(),
            derive("fleetgraph rotated refresh token")
        ),
    )
}

pub fn refresh_token_session(token: &str) -> Option<Uuid> {
    let rest = token.strip_prefix(REFRESH_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    if secret.len() < 32 {
        return None;
    }
    Uuid::try_parse(id).ok()
}

/// A one-time invitation token, handed by an admin to the person they invite.
pub fn new_invitation_token() -> String {
    format!("{INVITATION_PREFIX}{}", random_secret())
}

/// A new API key: `(secret shown once, display prefix stored and listed)`.
pub fn new_api_key() -> (String, String) {
    let mut tag = [0u8; 4];
    rand::rng().fill_bytes(&mut tag);
    let prefix = format!("{API_KEY_PREFIX}{}", hex::encode(tag));
    (format!("{prefix}_{}", random_secret()), prefix)
}

/// What kind of credential a bearer string claims to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Bearer<'a> {
    Session(&'a str),
    ApiKey(&'a str),
}

pub fn classify(token: &str) -> Option<Bearer<'_>> {
    if token.starts_with(ACCESS_PREFIX) {
        Some(Bearer::Session(token))
    } else if token.starts_with(API_KEY_PREFIX) {
        Some(Bearer::ApiKey(token))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_and_hash_to_hex() {
        let a = random_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_secret());
        assert_eq!(hash_secret(&a).len(), 64);
    }

    #[test]
    fn refresh_tokens_name_their_session() {
        let id = Uuid::now_v7();
        let token = new_refresh_token(id);
        assert_eq!(refresh_token_session(&token), Some(id));
        assert_eq!(refresh_token_session("fgr_nope"), None);
        assert_eq!(
            refresh_token_session(&format!("fgr_{}_short", id.simple())),
            None
        );
    }

    #[test]
    fn a_refresh_token_has_one_pair_of_successors_of_the_usual_shape() {
        let id = Uuid::now_v7();
        let token = new_refresh_token(id);
        let (access, refresh) = successors(&token, id);
        assert_eq!(successors(&token, id), (access.clone(), refresh.clone()));
        assert_ne!(successors(&new_refresh_token(id), id).0, access);
        assert_eq!(classify(&access), Some(Bearer::Session(&access)));
        assert_eq!(access.len(), ACCESS_PREFIX.len() + 43);
        assert_eq!(refresh_token_session(&refresh), Some(id));
        assert!(!access.contains(&token[4..]) && !refresh.contains(&token[37..]));
    }

    #[test]
    fn api_keys_start_with_their_display_prefix() {
        let (secret, prefix) = new_api_key();
        assert!(secret.starts_with(&prefix));
        assert_eq!(prefix.len(), 12);
        assert_eq!(classify(&secret), Some(Bearer::ApiKey(&secret)));
        assert_eq!(classify("fga_x"), Some(Bearer::Session("fga_x")));
        assert_eq!(classify("Basic abc"), None);
    }
}
