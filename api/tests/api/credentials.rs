//! Credentials under attack: the lockout counted in the database whatever the concurrency, one
//! credential check per request, the throttle per client address and per email, sign-up that
//! never checks an existing password, and sessions that survive retries and token rotation.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_code, assert_ok, slug, str_of};

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }";

/// The account's failed-attempt count, as stored.
async fn attempts(app: &TestApp, email: &str) -> i32 {
    entity::users::Entity::find()
        .filter(entity::users::Column::Email.eq(email))
        .one(&app.db.conn)
        .await
        .expect("read the user")
        .expect("the user exists")
        .failed_login_attempts
}

fn login_body(email: &str, password: &str) -> Value {
    json!({ "query": LOGIN, "variables": { "input": { "email": email, "password": password } } })
}

fn has_token(body: &Value) -> bool {
    body["data"]["login"]["accessToken"].is_string()
}

#[tokio::test]
async fn a_batch_of_ten_logins_checks_one_password_and_returns_no_token() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("batch")).await;
    let mut batch: Vec<Value> = (0..9)
        .map(|i| login_body(&owner.email, &format!("wrong password {i}")))
        .collect();
    batch.push(login_body(&owner.email, PASSWORD));
    let response = app.post_graphql(None, &Value::Array(batch)).await;
    let bodies: Vec<Value> = response.json().await.expect("a JSON array");
    assert_eq!(bodies.len(), 10);
    assert!(!bodies.iter().any(has_token), "{bodies:?}");
    let refused: Vec<&Value> = bodies
        .iter()
        .filter(|b| {
            b["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
                && str_of(&b["errors"][0]["message"]).contains("at most one credential check")
        })
        .collect();
    assert_eq!(
        refused.len(),
        9,
        "one check ran, nine were refused: {bodies:?}"
    );
    assert_eq!(
        attempts(&app, &owner.email).await,
        1,
        "only one attempt was made"
    );
}

#[tokio::test]
async fn aliased_and_fragment_logins_in_one_request_are_refused_before_any_check() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("alias")).await;
    let fields: String = (0..5)
        .map(|i| {
            format!(
                "a{i}: login(input: {{ email: $email, password: \"wrong password {i}\" }}) {{ accessToken }} "
            )
        })
        .collect();
    let aliased = format!("mutation($email: String!) {{ {fields} }}");
    let fragments = "mutation($email: String!, $p: String!) {
            login(input: { email: $email, password: $p }) { accessToken }
            ...F }
        fragment F on Mutation { other: login(input: { email: $email, password: $p }) { role } }";
    for query in [aliased.as_str(), fragments] {
        let body = app
            .gql(None, query, json!({ "email": owner.email, "p": PASSWORD }))
            .await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(body["data"].is_null(), "nothing ran: {body}");
        assert!(
            str_of(&body["errors"][0]["message"]).contains("at most one credential check"),
            "{body}"
        );
    }
    assert_eq!(attempts(&app, &owner.email).await, 0);
    assert_ok(&app.login(&owner.email, PASSWORD, None).await);
}

#[tokio::test]
async fn a_login_and_a_password_change_in_one_request_are_refused_too() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("mixed")).await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($email: String!, $p: String!) {
                login(input: { email: $email, password: $p }) { accessToken }
                changePassword(input: { currentPassword: $p, newPassword: \"another long password\" }) { success } }",
            json!({ "email": owner.email, "p": PASSWORD }),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert_ok(&app.login(&owner.email, PASSWORD, None).await);
}

#[tokio::test]
async fn forty_parallel_wrong_logins_lock_the_account_before_the_right_password_gets_in() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("forty")).await;
    let wrong = futures::future::join_all((0..40).map(|i| {
        let (app, email) = (&app, owner.email.clone());
        async move {
            app.login(&email, &format!("wrong password {i}"), None)
                .await
        }
    }));
    let right = async {
        // The right password arrives while the 40 wrong ones are still being hashed: once they
        // are counted (or, on code that counts only after hashing, after a while anyway).
        let started = tokio::time::Instant::now();
        while attempts(&app, &owner.email).await < 40
            && started.elapsed() < Duration::from_millis(500)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        app.login(&owner.email, PASSWORD, None).await
    };
    let (wrong, right) = tokio::join!(wrong, right);
    for body in &wrong {
        assert!(!has_token(body), "{body}");
    }
    assert!(!has_token(&right), "the right password got in: {right}");
    assert_code(&right, "ACCOUNT_LOCKED");
    // And the account stays locked.
    let after = app.login(&owner.email, PASSWORD, None).await;
    assert_code(&after, "ACCOUNT_LOCKED");
    assert!(attempts(&app, &owner.email).await >= 41);
}

#[tokio::test]
async fn the_right_password_among_parallel_wrong_ones_never_leaves_the_account_unlocked() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("mixed40")).await;
    let logins = (0..41).map(|i| {
        let (app, email) = (&app, owner.email.clone());
        let password = if i == 20 {
            PASSWORD.to_owned()
        } else {
            format!("wrong password {i}")
        };
        async move { app.login(&email, &password, None).await }
    });
    let bodies = futures::future::join_all(logins).await;
    assert!(bodies.iter().filter(|b| has_token(b)).count() <= 1);
    // Whatever the order, 40 wrong attempts were counted: the success took back only those it
    // saw, and the account is locked now.
    assert_code(
        &app.login(&owner.email, PASSWORD, None).await,
        "ACCOUNT_LOCKED",
    );
}

#[tokio::test]
async fn a_locked_account_is_told_when_it_unlocks_only_after_the_right_password() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("told")).await;
    let first = app.login(&owner.email, "wrong password", None).await;
    for _ in 0..4 {
        app.login(&owner.email, "wrong password", None).await;
    }
    let wrong = app.login(&owner.email, "still wrong", None).await;
    assert_code(&wrong, "UNAUTHENTICATED");
    assert_eq!(wrong["errors"][0]["message"], first["errors"][0]["message"]);
    assert!(wrong["errors"][0]["extensions"]["lockedUntil"].is_null());

    let right = app.login(&owner.email, PASSWORD, None).await;
    assert_code(&right, "ACCOUNT_LOCKED");
    let extensions = &right["errors"][0]["extensions"];
    let until = chrono::DateTime::parse_from_rfc3339(&str_of(&extensions["lockedUntil"]))
        .expect("lockedUntil is RFC 3339");
    let in_secs = (until.to_utc() - chrono::Utc::now()).num_seconds();
    assert!((14 * 60..=15 * 60).contains(&in_secs), "{in_secs}");
    let retry = extensions["retryAfter"].as_i64().expect("retryAfter");
    assert!((14 * 60..=15 * 60 + 1).contains(&retry), "{retry}");
}

#[tokio::test]
async fn wrong_current_passwords_count_towards_the_lockout() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("chpw")).await;
    for i in 0..5 {
        let body = app
            .gql(
                Some(&owner.token),
                "mutation($c: String!) { changePassword(input: { currentPassword: $c,
                    newPassword: \"another long password\" }) { success } }",
                json!({ "c": format!("wrong guess {i}") }),
            )
            .await;
        assert_code(&body, "BAD_USER_INPUT");
    }
    assert_code(
        &app.login(&owner.email, PASSWORD, None).await,
        "ACCOUNT_LOCKED",
    );
}

#[tokio::test]
async fn signing_up_with_a_registered_email_never_checks_its_password() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("oracle")).await;
    for _ in 0..5 {
        app.login(&owner.email, "wrong password", None).await;
    }
    let sign_up = |password: &'static str| {
        let slug = slug("oracle2");
        let email = owner.email.clone();
        let app = &app;
        async move {
            app.gql(
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
                json!({ "input": {
                    "organizationName": "Oracle", "organizationSlug": slug, "email": email,
                    "password": password, "displayName": "Mallory" } }),
            )
            .await
        }
    };
    // The right password of a locked account, and a wrong one: the same answer, and no session.
    let right = sign_up(PASSWORD).await;
    let wrong = sign_up("some other password").await;
    assert_code(&right, "CONFLICT");
    assert_eq!(right["errors"][0]["message"], wrong["errors"][0]["message"]);
    assert!(right["data"].is_null() || right["data"]["signUp"].is_null());
}

#[tokio::test]
async fn a_logged_in_user_creates_another_organization_and_switches_to_it() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("create")).await;
    let new_slug = slug("created");
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) {
                organization { slug name } } }",
            json!({ "input": { "name": "Second", "slug": new_slug } }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["createOrganization"]["organization"]["slug"],
        new_slug.as_str()
    );
    let switched = app
        .gql(
            Some(&owner.token),
            "mutation($slug: String!) { switchOrganization(input: { organizationSlug: $slug }) {
                accessToken role organization { slug } } }",
            json!({ "slug": new_slug }),
        )
        .await;
    assert_ok(&switched);
    assert_eq!(switched["data"]["switchOrganization"]["role"], "OWNER");
    let token = str_of(&switched["data"]["switchOrganization"]["accessToken"]);

    // A taken slug is a conflict; anonymous callers cannot create organizations.
    let taken = app
        .gql(
            Some(&token),
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) {
                organization { slug } } }",
            json!({ "input": { "name": "Again", "slug": owner.slug } }),
        )
        .await;
    assert_code(&taken, "CONFLICT");
    let anonymous = app
        .gql(
            None,
            "mutation { createOrganization(input: { name: \"X\", slug: \"x-anon\" }) { organization { slug } } }",
            json!({}),
        )
        .await;
    assert_code(&anonymous, "UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------------
// The throttle

#[tokio::test]
async fn credential_checks_are_throttled_per_client_address_with_retry_after() {
    let app = TestApp::spawn_with(|c| c.auth_attempts_per_address = 3).await;
    for i in 0..3 {
        let body = app
            .login(&format!("nobody{i}@throttle.example.com"), "whatever", None)
            .await;
        assert_code(&body, "UNAUTHENTICATED");
    }
    let limited = app
        .login("someone@throttle.example.com", "whatever", None)
        .await;
    assert_code(&limited, "RATE_LIMITED");
    let retry = limited["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .expect("retryAfter");
    assert!((1..=60).contains(&retry), "{retry}");
    // Sign-up is a credential check too.
    let body = app
        .gql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
            json!({ "input": { "organizationName": "T", "organizationSlug": slug("thr"),
                "email": "new@throttle.example.com", "password": PASSWORD, "displayName": "T" } }),
        )
        .await;
    assert_code(&body, "RATE_LIMITED");
}

#[tokio::test]
async fn credential_checks_are_throttled_per_email() {
    let app = TestApp::spawn_with(|c| c.auth_attempts_per_email = 3).await;
    // The sign-up is the email's first credential check.
    let owner = app.sign_up(&slug("peremail")).await;
    app.login(&owner.email, "wrong password", None).await;
    assert_ok(&app.login(&owner.email, PASSWORD, None).await);
    let limited = app.login(&owner.email.to_uppercase(), PASSWORD, None).await;
    assert_code(&limited, "RATE_LIMITED");
    // The throttled attempt was not counted against the account.
    assert_eq!(attempts(&app, &owner.email).await, 0);
    // Another email has its own budget.
    let other = app.sign_up(&slug("peremail2")).await;
    assert_ok(&app.login(&other.email, PASSWORD, None).await);
}

#[tokio::test]
async fn replicas_share_the_throttle_through_redis() {
    if std::env::var("TEST_REDIS_URL").is_err() {
        return; // Without Redis each replica throttles on its own, by design.
    }
    let prefix = format!("fgtest-shared-{}", uuid::Uuid::now_v7().simple());
    let (p1, p2) = (prefix.clone(), prefix);
    let a = TestApp::spawn_with(move |c| {
        c.auth_attempts_per_address = 4;
        c.redis_key_prefix = p1;
    })
    .await;
    let b = a
        .spawn_sibling_with(move |c| {
            c.auth_attempts_per_address = 4;
            c.redis_key_prefix = p2;
        })
        .await;
    for app in [&a, &b, &a, &b] {
        let body = app.login("nobody@shared.example.com", "x", None).await;
        assert_code(&body, "UNAUTHENTICATED");
    }
    assert_code(
        &b.login("nobody@shared.example.com", "x", None).await,
        "RATE_LIMITED",
    );
    assert_code(
        &a.login("nobody@shared.example.com", "x", None).await,
        "RATE_LIMITED",
    );
}

// ---------------------------------------------------------------------------------------------
// Refresh retries

async fn refresh(app: &TestApp, refresh_token: &str) -> Value {
    app.gql(
        None,
        "mutation($t: String!) { refreshSession(input: { refreshToken: $t }) {
            accessToken refreshToken } }",
        json!({ "t": refresh_token }),
    )
    .await
}

fn pair(body: &Value) -> (String, String) {
    let p = &body["data"]["refreshSession"];
    (str_of(&p["accessToken"]), str_of(&p["refreshToken"]))
}

async fn me_ok(app: &TestApp, token: &str) -> bool {
    app.gql(Some(token), "{ me { role } }", json!({})).await["errors"].is_null()
}

#[tokio::test]
async fn a_refresh_retried_within_the_grace_period_gets_the_same_pair() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("retry")).await;
    let first = refresh(&app, &owner.refresh_token).await;
    assert_ok(&first);
    let retried = refresh(&app, &owner.refresh_token).await;
    assert_ok(&retried);
    assert_eq!(pair(&first), pair(&retried));
    let (access, refresh_token) = pair(&retried);
    assert!(me_ok(&app, &access).await, "the session lives on");
    // The pair works as usual, and the old token's successor rotates in turn.
    assert_ok(&refresh(&app, &refresh_token).await);
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_all_get_the_same_pair() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("race")).await;
    let bodies =
        futures::future::join_all((0..5).map(|_| refresh(&app, &owner.refresh_token))).await;
    for body in &bodies {
        assert_ok(body);
        assert_eq!(pair(body), pair(&bodies[0]));
    }
    assert!(me_ok(&app, &pair(&bodies[0]).0).await);
}

#[tokio::test]
async fn a_replay_after_the_grace_period_or_after_the_next_rotation_revokes_the_session() {
    use sea_orm::sea_query::Expr;

    // After the next rotation: the retry's answer would be a pair that no longer works.
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("late")).await;
    let (_, second) = pair(&refresh(&app, &owner.refresh_token).await);
    let (third_access, _) = pair(&refresh(&app, &second).await);
    assert_code(
        &refresh(&app, &owner.refresh_token).await,
        "UNAUTHENTICATED",
    );
    assert!(!me_ok(&app, &third_access).await, "the session was revoked");

    // After the grace period.
    let owner = app.sign_up(&slug("late2")).await;
    let (access, _) = pair(&refresh(&app, &owner.refresh_token).await);
    let past = chrono::Utc::now() - chrono::Duration::seconds(31);
    entity::used_refresh_tokens::Entity::update_many()
        .col_expr(
            entity::used_refresh_tokens::Column::UsedAt,
            Expr::value(past),
        )
        .exec(&app.db.conn)
        .await
        .unwrap();
    assert_code(
        &refresh(&app, &owner.refresh_token).await,
        "UNAUTHENTICATED",
    );
    assert!(!me_ok(&app, &access).await, "the session was revoked");
}

// ---------------------------------------------------------------------------------------------
// Sockets live as long as their session

#[tokio::test]
async fn a_socket_outlives_its_access_token_while_the_session_lives() {
    use sea_orm::sea_query::Expr;

    let app = TestApp::spawn_with(|c| c.ws_revalidate_seconds = 1).await;
    let owner = app.sign_up(&slug("wslife")).await;
    let mut ws = app.ws(&owner.token).await;
    // The access token expires (as it does every 15 minutes).
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    entity::sessions::Entity::update_many()
        .col_expr(entity::sessions::Column::AccessExpiresAt, Expr::value(past))
        .exec(&app.db.conn)
        .await
        .unwrap();
    assert!(
        !me_ok(&app, &owner.token).await,
        "the token itself has expired"
    );
    assert_eq!(
        ws.closed(Duration::from_millis(2500)).await,
        None,
        "the socket stays open across re-checks"
    );
    // A rotation does not end it either.
    let (access, _) = pair(&refresh(&app, &owner.refresh_token).await);
    assert_eq!(ws.closed(Duration::from_millis(1500)).await, None);
    // Logging out ends the session, and the socket with it.
    let body = app
        .gql(Some(&access), "mutation { logout { success } }", json!({}))
        .await;
    assert_ok(&body);
    assert_eq!(
        ws.closed(Duration::from_secs(10)).await.map(|c| c.0),
        Some(4403)
    );
}

#[tokio::test]
async fn a_socket_closes_when_its_user_leaves_the_organization_or_the_session_expires() {
    use sea_orm::sea_query::Expr;

    let app = TestApp::spawn_with(|c| c.ws_revalidate_seconds = 1).await;
    let owner = app.sign_up(&slug("wsend")).await;
    let member = app.member(&owner, "VIEWER").await;
    let mut removed = app.ws(&member.token).await;
    let mut expired = app.ws(&owner.token).await;
    // The member leaves the organization (as removeMember does it, straight in the database so
    // that this test does not depend on how members are managed).
    let member_id = uuid::Uuid::parse_str(&member.user_id).unwrap();
    entity::memberships::Entity::delete_many()
        .filter(entity::memberships::Column::UserId.eq(member_id))
        .exec(&app.db.conn)
        .await
        .unwrap();
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    let owner_id = uuid::Uuid::parse_str(&owner.user_id).unwrap();
    entity::sessions::Entity::update_many()
        .col_expr(
            entity::sessions::Column::RefreshExpiresAt,
            Expr::value(past),
        )
        .filter(entity::sessions::Column::UserId.eq(owner_id))
        .exec(&app.db.conn)
        .await
        .unwrap();
    let limit = Duration::from_secs(10);
    let (removed, expired) = tokio::join!(removed.closed(limit), expired.closed(limit));
    assert_eq!(expired.map(|c| c.0), Some(4403));
    assert_eq!(removed.map(|c| c.0), Some(4403));
}

// ---------------------------------------------------------------------------------------------
// The throttle when Redis goes away

/// A `redis-server` of this test's own on a free port, ended (by its pid) when dropped.
struct OwnRedis {
    child: std::process::Child,
    url: String,
}

impl OwnRedis {
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let url = format!("redis://127.0.0.1:{port}");
        // Wait until it accepts connections.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Self { child, url });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test]
async fn the_throttle_counts_in_process_without_hanging_when_redis_goes_away() {
    let Some(mut redis) = OwnRedis::start() else {
        eprintln!("redis-server is not available; skipped");
        return;
    };
    let url = redis.url.clone();
    let app = TestApp::spawn_with(move |c| {
        c.redis_url = Some(url);
        c.auth_attempts_per_address = 4;
    })
    .await;
    // Two checks counted in Redis...
    for _ in 0..2 {
        assert_code(
            &app.login("nobody@outage.example.com", "x", None).await,
            "UNAUTHENTICATED",
        );
    }
    redis.kill();
    // ...then Redis is gone: every answer still comes promptly, counted in this process (which
    // starts its own window), and the limit still holds.
    let mut codes = Vec::new();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let body = app.login("nobody@outage.example.com", "x", None).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "a login took {:?} with Redis down",
            started.elapsed()
        );
        codes.push(str_of(&body["errors"][0]["extensions"]["code"]));
    }
    assert_eq!(
        codes,
        [
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "RATE_LIMITED"
        ]
    );
}
