//! Identity: sign-up, login and lockout, rotating refresh tokens, logout, switching
//! organization, password changes, bearer parsing, `me`, and the organization's settings.

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, Session, TestApp, assert_bad_input, assert_code, assert_ok, slug, str_of,
};

const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) {
    accessToken refreshToken role user { id email } organization { id slug name } } }";

fn sign_up_input(slug: &str, email: &str) -> Value {
    json!({
        "organizationName": format!("Org {slug}"), "organizationSlug": slug,
        "email": email, "password": PASSWORD, "displayName": "Owner",
    })
}

/// Signs up with `input` changed by `tweak`, returning the raw response.
async fn sign_up_with(app: &TestApp, tweak: impl FnOnce(&mut Value)) -> Value {
    let slug = slug("idt");
    let mut input = sign_up_input(&slug, &format!("owner@{slug}.example.com"));
    tweak(&mut input);
    app.gql(None, SIGN_UP, json!({ "input": input })).await
}

/// A second organization created by an existing user (`createOrganization`), and a session of
/// theirs there.
async fn second_org(app: &TestApp, owner: &Session) -> Session {
    let slug = slug("second");
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) {
                organization { id slug } } }",
            json!({ "input": { "name": format!("Org {slug}"), "slug": slug } }),
        )
        .await;
    assert_ok(&body);
    let body = app.login(&owner.email, PASSWORD, Some(&slug)).await;
    assert_ok(&body);
    let p = &body["data"]["login"];
    assert_eq!(
        p["user"]["id"], owner.user_id,
        "the same user owns both: {body}"
    );
    Session {
        token: str_of(&p["accessToken"]),
        refresh_token: str_of(&p["refreshToken"]),
        user_id: owner.user_id.clone(),
        organization_id: str_of(&p["organization"]["id"]),
        email: owner.email.clone(),
        slug,
    }
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.gql(
        Some(token),
        "{ me { role scopes user { id email } apiKey { id } organization { id slug }
               organizations { role organization { slug } } } }",
        json!({}),
    )
    .await
}

/// The message of the first error.
fn message(body: &Value) -> String {
    str_of(&body["errors"][0]["message"])
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Value {
    app.gql(
        None,
        "mutation($t: String!) { refreshSession(input: { refreshToken: $t }) {
            accessToken refreshToken role organization { id } } }",
        json!({ "t": refresh_token }),
    )
    .await
}

async fn change_password(app: &TestApp, token: &str, current: &str, new: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { success } }",
        json!({ "input": { "currentPassword": current, "newPassword": new } }),
    )
    .await
}

async fn update_organization(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
            organization { id name telemetryRetentionDays settings } } }",
        json!({ "input": input }),
    )
    .await
}

/// A `me` query sent with a raw `Authorization` header value.
async fn me_with_authorization(app: &TestApp, authorization: &str) -> Value {
    app.client
        .post(app.url("/graphql"))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("authorization", authorization)
        .body(json!({ "query": "{ me { role } }" }).to_string())
        .send()
        .await
        .expect("the request is sent")
        .json()
        .await
        .expect("a JSON body")
}

#[tokio::test]
async fn signing_up_returns_tokens_for_the_owner_and_me_works_with_them() {
    let app = TestApp::spawn().await;
    let slug = slug("signup");
    let email = format!("Ada@{slug}.Example.com");
    let body = app
        .gql(
            None,
            SIGN_UP,
            json!({ "input": sign_up_input(&slug, &email) }),
        )
        .await;
    assert_ok(&body);
    let p = &body["data"]["signUp"];
    assert_eq!(p["role"], "OWNER");
    assert_eq!(p["organization"]["slug"], slug.as_str());
    assert_eq!(p["organization"]["name"], format!("Org {slug}"));
    assert_eq!(
        p["user"]["email"],
        email.to_lowercase(),
        "emails are stored lower-case"
    );
    let token = str_of(&p["accessToken"]);
    assert!(token.starts_with("fga_"), "{token}");
    assert!(str_of(&p["refreshToken"]).starts_with("fgr_"));

    let me = me(&app, &token).await;
    assert_ok(&me);
    assert_eq!(me["data"]["me"]["role"], "OWNER");
    assert_eq!(me["data"]["me"]["user"]["id"], p["user"]["id"]);
    assert_eq!(
        me["data"]["me"]["organization"]["id"],
        p["organization"]["id"]
    );
    assert!(me["data"]["me"]["apiKey"].is_null());
    assert_eq!(me["data"]["me"]["scopes"], json!([]));
}

#[tokio::test]
async fn sign_up_refuses_bad_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(101);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("organizationName", json!(""), "input.organizationName"),
        ("organizationName", json!("   "), "input.organizationName"),
        ("organizationName", json!(long), "input.organizationName"),
        ("displayName", json!(long), "input.displayName"),
        ("displayName", json!(""), "input.displayName"),
        (
            "organizationSlug",
            json!("Acme-Robotics"),
            "input.organizationSlug",
        ),
        ("organizationSlug", json!("ab"), "input.organizationSlug"),
        ("organizationSlug", json!("-acme"), "input.organizationSlug"),
        (
            "organizationSlug",
            json!("acme_robotics"),
            "input.organizationSlug",
        ),
        ("email", json!("not-an-email"), "input.email"),
        ("email", json!("ada@example"), "input.email"),
        ("email", json!("a b@example.com"), "input.email"),
        ("email", json!("@example.com"), "input.email"),
        ("password", json!("short"), "input.password"),
    ];
    for (key, value, field) in cases {
        let body = sign_up_with(&app, |input| input[key] = value.clone()).await;
        assert_bad_input(&body, field);
        assert!(
            body["data"].is_null(),
            "{key} = {value}: nothing was signed up: {body}"
        );
    }
}

#[tokio::test]
async fn a_taken_slug_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("taken")).await;
    let body = app
        .gql(
            None,
            SIGN_UP,
            json!({ "input": sign_up_input(&owner.slug, "someone.else@example.com") }),
        )
        .await;
    assert_code(&body, "CONFLICT");
    // The refused sign-up created no account for the other email.
    let login = app.login("someone.else@example.com", PASSWORD, None).await;
    assert_code(&login, "UNAUTHENTICATED");
}

#[tokio::test]
async fn sign_up_can_be_disabled() {
    let app = TestApp::spawn_with(|c| c.disable_signup = true).await;
    let body = sign_up_with(&app, |_| {}).await;
    assert_code(&body, "FORBIDDEN");
    assert!(body["data"].is_null(), "{body}");
}

#[tokio::test]
async fn a_user_logs_in_with_email_and_password() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("login")).await;
    // Emails are matched case-insensitively.
    let body = app.login(&owner.email.to_uppercase(), PASSWORD, None).await;
    assert_ok(&body);
    let p = &body["data"]["login"];
    assert_eq!(p["role"], "OWNER");
    assert_eq!(p["user"]["id"], owner.user_id.as_str());
    assert_eq!(p["organization"]["slug"], owner.slug.as_str());
    let token = str_of(&p["accessToken"]);
    assert_ne!(token, owner.token, "each login opens a new session");
    let me = me(&app, &token).await;
    assert_eq!(me["data"]["me"]["user"]["id"], owner.user_id.as_str());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_fail_alike() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("alike")).await;
    let wrong = app.login(&owner.email, "not the password", None).await;
    assert_code(&wrong, "UNAUTHENTICATED");
    let unknown = app.login("nobody@example.com", PASSWORD, None).await;
    assert_code(&unknown, "UNAUTHENTICATED");
    assert_eq!(message(&wrong), message(&unknown));
}

#[tokio::test]
async fn five_failed_logins_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("lock")).await;
    let first = app.login(&owner.email, "wrong password 0", None).await;
    assert_code(&first, "UNAUTHENTICATED");
    for i in 1..5 {
        let body = app
            .login(&owner.email, &format!("wrong password {i}"), None)
            .await;
        assert_code(&body, "UNAUTHENTICATED");
    }
    // A wrong password says nothing more than before; the right one is told about the lock.
    let wrong = app.login(&owner.email, "wrong password 5", None).await;
    assert_code(&wrong, "UNAUTHENTICATED");
    assert_eq!(message(&wrong), message(&first));
    let locked = app.login(&owner.email, PASSWORD, None).await;
    assert_code(&locked, "ACCOUNT_LOCKED");
    // Existing sessions are not affected by the lock.
    assert_ok(&me(&app, &owner.token).await);
}

#[tokio::test]
async fn four_failures_do_not_lock_and_a_success_resets_the_count() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("reset")).await;
    for _ in 0..4 {
        assert_code(
            &app.login(&owner.email, "wrong password", None).await,
            "UNAUTHENTICATED",
        );
    }
    assert_ok(&app.login(&owner.email, PASSWORD, None).await);
    for _ in 0..4 {
        assert_code(
            &app.login(&owner.email, "wrong password", None).await,
            "UNAUTHENTICATED",
        );
    }
    assert_ok(&app.login(&owner.email, PASSWORD, None).await);
}

#[tokio::test]
async fn failed_logins_in_one_request_are_refused_before_any_is_checked() {
    // This test asserted that five aliased `login` fields each ran and counted; now a request
    // gets at most one credential check, so the whole request is refused and nothing counts
    // (more in credentials.rs).
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("alias")).await;
    let fields: String = (0..5)
        .map(|i| {
            format!(
                "a{i}: login(input: {{ email: $email, password: \"wrong password {i}\" }}) {{ accessToken }} "
            )
        })
        .collect();
    let body = app
        .gql(
            None,
            &format!("mutation($email: String!) {{ {fields} }}"),
            json!({ "email": owner.email }),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert_ok(&app.login(&owner.email, PASSWORD, None).await);
}

#[tokio::test]
async fn login_with_an_organization_slug_enters_that_organization() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("first")).await;
    let second = second_org(&app, &owner).await;

    let default = app.login(&owner.email, PASSWORD, None).await;
    assert_eq!(
        default["data"]["login"]["organization"]["slug"],
        owner.slug.as_str(),
        "without a slug, the first organization joined: {default}"
    );

    let body = app
        .login(&owner.email, PASSWORD, Some(&second.slug.to_uppercase()))
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["login"]["organization"]["id"],
        second.organization_id.as_str()
    );
    let token = str_of(&body["data"]["login"]["accessToken"]);
    let me = me(&app, &token).await;
    assert_eq!(
        me["data"]["me"]["organization"]["slug"],
        second.slug.as_str()
    );
    let orgs = me["data"]["me"]["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 2, "{me}");

    // A site created in one organization is not in the other.
    app.create_site(&token, "only-second").await;
    let sites = app
        .gql(Some(&owner.token), "{ sites { totalCount } }", json!({}))
        .await;
    assert_eq!(sites["data"]["sites"]["totalCount"], 0, "{sites}");
}

#[tokio::test]
async fn login_into_an_organization_the_user_is_not_in_fails() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("mine")).await;
    let other = app.sign_up(&slug("theirs")).await;
    let body = app.login(&owner.email, PASSWORD, Some(&other.slug)).await;
    assert_code(&body, "UNAUTHENTICATED");
    let wrong = app.login(&owner.email, "wrong password", None).await;
    assert_eq!(message(&body), message(&wrong));
    let missing = app.login(&owner.email, PASSWORD, Some("no-such-org")).await;
    assert_code(&missing, "UNAUTHENTICATED");
}

#[tokio::test]
async fn refreshing_rotates_the_tokens() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("rotate")).await;
    let body = refresh(&app, &owner.refresh_token).await;
    assert_ok(&body);
    let p = &body["data"]["refreshSession"];
    assert_eq!(p["role"], "OWNER");
    assert_eq!(p["organization"]["id"], owner.organization_id.as_str());
    let access = str_of(&p["accessToken"]);
    let refresh_token = str_of(&p["refreshToken"]);
    assert_ne!(access, owner.token);
    assert_ne!(refresh_token, owner.refresh_token);

    assert_ok(&me(&app, &access).await);
    assert_code(&me(&app, &owner.token).await, "UNAUTHENTICATED");

    // The new refresh token works in turn.
    let again = refresh(&app, &refresh_token).await;
    assert_ok(&again);
    assert_ok(
        &me(
            &app,
            &str_of(&again["data"]["refreshSession"]["accessToken"]),
        )
        .await,
    );
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_the_session() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("reuse")).await;
    let rotated = refresh(&app, &owner.refresh_token).await;
    assert_ok(&rotated);
    let newest_access = str_of(&rotated["data"]["refreshSession"]["accessToken"]);
    let newest_refresh = str_of(&rotated["data"]["refreshSession"]["refreshToken"]);

    // Past the grace period in which a retry gets the same pair again (credentials.rs).
    use sea_orm::EntityTrait;
    let past = chrono::Utc::now() - chrono::Duration::seconds(31);
    entity::used_refresh_tokens::Entity::update_many()
        .col_expr(
            entity::used_refresh_tokens::Column::UsedAt,
            sea_orm::sea_query::Expr::value(past),
        )
        .exec(&app.db.conn)
        .await
        .unwrap();
    let reuse = refresh(&app, &owner.refresh_token).await;
    assert_code(&reuse, "UNAUTHENTICATED");

    assert_code(&me(&app, &newest_access).await, "UNAUTHENTICATED");
    assert_code(&refresh(&app, &newest_refresh).await, "UNAUTHENTICATED");
    // Another session of the same user is unaffected.
    let other = app.login(&owner.email, PASSWORD, None).await;
    assert_ok(&me(&app, &str_of(&other["data"]["login"]["accessToken"])).await);
}

#[tokio::test]
async fn garbage_refresh_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    for token in [
        "",
        "nonsense",
        "fgr_nope",
        &format!("fgr_{}_{}", uuid::Uuid::now_v7().simple(), "x".repeat(43)),
    ] {
        assert_code(&refresh(&app, token).await, "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("logout")).await;
    let other = app.login(&owner.email, PASSWORD, None).await;
    let other_token = str_of(&other["data"]["login"]["accessToken"]);

    let body = app
        .gql(
            Some(&owner.token),
            "mutation { logout { success } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["logout"]["success"], true);
    assert_code(&me(&app, &owner.token).await, "UNAUTHENTICATED");
    assert_code(
        &refresh(&app, &owner.refresh_token).await,
        "UNAUTHENTICATED",
    );
    assert_ok(&me(&app, &other_token).await);

    let anonymous = app
        .gql(None, "mutation { logout { success } }", json!({}))
        .await;
    assert_code(&anonymous, "UNAUTHENTICATED");
}

#[tokio::test]
async fn switching_organization_opens_a_session_there_and_ends_the_old_one() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("switch")).await;
    let second = second_org(&app, &owner).await;

    let body = app
        .gql(
            Some(&owner.token),
            "mutation($slug: String!) { switchOrganization(input: { organizationSlug: $slug }) {
                accessToken refreshToken role organization { id slug } } }",
            json!({ "slug": second.slug }),
        )
        .await;
    assert_ok(&body);
    let p = &body["data"]["switchOrganization"];
    assert_eq!(p["organization"]["id"], second.organization_id.as_str());
    assert_eq!(p["role"], "OWNER");
    let token = str_of(&p["accessToken"]);
    let me_there = me(&app, &token).await;
    assert_eq!(
        me_there["data"]["me"]["organization"]["slug"],
        second.slug.as_str()
    );
    assert_code(&me(&app, &owner.token).await, "UNAUTHENTICATED");
    assert_code(
        &refresh(&app, &owner.refresh_token).await,
        "UNAUTHENTICATED",
    );
    // The new session refreshes into the organization it was opened in.
    let refreshed = refresh(&app, &str_of(&p["refreshToken"])).await;
    assert_eq!(
        refreshed["data"]["refreshSession"]["organization"]["id"],
        second.organization_id.as_str()
    );
}

#[tokio::test]
async fn switching_to_an_organization_one_is_not_in_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("stay")).await;
    let other = app.sign_up(&slug("elsewhere")).await;
    for target in [other.slug.as_str(), "no-such-org"] {
        let body = app
            .gql(
                Some(&owner.token),
                "mutation($slug: String!) { switchOrganization(input: { organizationSlug: $slug }) {
                    accessToken } }",
                json!({ "slug": target }),
            )
            .await;
        assert_code(&body, "NOT_FOUND");
    }
    // The refused switch did not end the current session.
    assert_ok(&me(&app, &owner.token).await);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_a_long_new_one() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("pw")).await;
    let wrong = change_password(
        &app,
        &owner.token,
        "not my password",
        "a brand new password",
    )
    .await;
    assert_bad_input(&wrong, "input.currentPassword");
    let short = change_password(&app, &owner.token, PASSWORD, "short").await;
    assert_bad_input(&short, "input.newPassword");
    // Neither refusal changed anything.
    assert_ok(&app.login(&owner.email, PASSWORD, None).await);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_only() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("pwok")).await;
    let other = app.login(&owner.email, PASSWORD, None).await;
    let other_token = str_of(&other["data"]["login"]["accessToken"]);
    let new_password = "a brand new password";

    let body = change_password(&app, &owner.token, PASSWORD, new_password).await;
    assert_ok(&body);
    assert_eq!(body["data"]["changePassword"]["success"], true);

    assert_ok(&me(&app, &owner.token).await);
    assert_code(&me(&app, &other_token).await, "UNAUTHENTICATED");
    assert_code(
        &app.login(&owner.email, PASSWORD, None).await,
        "UNAUTHENTICATED",
    );
    assert_ok(&app.login(&owner.email, new_password, None).await);
}

#[tokio::test]
async fn garbage_and_non_bearer_credentials_are_unauthenticated() {
    let app = TestApp::spawn().await;
    for authorization in [
        "Bearer garbage",
        "Bearer fga_not-a-real-token",
        "Bearer fgk_deadbeef_not-a-real-key",
        "Bearer ",
        "Basic x",
        "Basic dXNlcjpwYXNz",
        "fga_token-without-scheme",
    ] {
        let body = me_with_authorization(&app, authorization).await;
        assert_code(&body, "UNAUTHENTICATED");
        assert!(body["data"].is_null(), "{authorization}: {body}");
    }
}

#[tokio::test]
async fn me_for_an_api_key_names_the_key_and_its_scopes() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("mekey")).await;
    let (key_id, secret) = app
        .api_key(&owner, &["assets:read", "telemetry:write"], None)
        .await;
    let body = me(&app, &secret).await;
    assert_ok(&body);
    let me = &body["data"]["me"];
    assert!(me["user"].is_null(), "{body}");
    assert!(me["role"].is_null(), "{body}");
    assert_eq!(me["apiKey"]["id"], key_id.as_str());
    assert_eq!(me["organization"]["id"], owner.organization_id.as_str());
    let mut scopes: Vec<String> = me["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    scopes.sort();
    assert_eq!(scopes, ["assets:read", "telemetry:write"]);
    assert_eq!(me["organizations"], json!([]));
}

#[tokio::test]
async fn an_admin_updates_the_organization() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("orgupd")).await;
    let admin = app.member(&owner, "ADMIN").await;
    let body = update_organization(
        &app,
        &admin.token,
        json!({ "name": "  Renamed Org ", "telemetryRetentionDays": 90, "settings": { "shift": "early" } }),
    )
    .await;
    assert_ok(&body);
    let org = &body["data"]["updateOrganization"]["organization"];
    assert_eq!(org["name"], "Renamed Org");
    assert_eq!(org["telemetryRetentionDays"], 90);
    assert_eq!(org["settings"], json!({ "shift": "early" }));

    let read = app
        .gql(
            Some(&owner.token),
            "{ organization { name telemetryRetentionDays } }",
            json!({}),
        )
        .await;
    assert_eq!(read["data"]["organization"]["name"], "Renamed Org");
    assert_eq!(read["data"]["organization"]["telemetryRetentionDays"], 90);
}

#[tokio::test]
async fn an_engineer_cannot_update_the_organization() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("orgeng")).await;
    let engineer = app.member(&owner, "ENGINEER").await;
    let body = update_organization(&app, &engineer.token, json!({ "name": "Mine now" })).await;
    assert_code(&body, "FORBIDDEN");
    let read = app
        .gql(Some(&owner.token), "{ organization { name } }", json!({}))
        .await;
    assert_eq!(
        read["data"]["organization"]["name"],
        format!("Org {}", owner.slug)
    );
}

#[tokio::test]
async fn organization_settings_are_validated() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("orgbad")).await;
    for days in [0, -1, 5000] {
        let body = update_organization(
            &app,
            &owner.token,
            json!({ "telemetryRetentionDays": days }),
        )
        .await;
        assert_bad_input(&body, "input.telemetryRetentionDays");
    }
    let body = update_organization(&app, &owner.token, json!({ "name": "" })).await;
    assert_bad_input(&body, "input.name");
    let body = update_organization(&app, &owner.token, json!({ "settings": [1, 2] })).await;
    assert_bad_input(&body, "input.settings");
    // A refused update writes nothing, not even its valid parts.
    let body = update_organization(
        &app,
        &owner.token,
        json!({ "name": "Half written", "telemetryRetentionDays": 0 }),
    )
    .await;
    assert_bad_input(&body, "input.telemetryRetentionDays");
    let read = app
        .gql(
            Some(&owner.token),
            "{ organization { name telemetryRetentionDays } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["data"]["organization"]["name"],
        format!("Org {}", owner.slug)
    );
    assert_eq!(read["data"]["organization"]["telemetryRetentionDays"], 30);
}

#[tokio::test]
async fn failed_logins_in_parallel_each_count() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("parallel")).await;
    let attempts = (0..5).map(|i| {
        let (app, email) = (&app, owner.email.clone());
        async move {
            app.login(&email, &format!("wrong password {i}"), None)
                .await
        }
    });
    for body in futures::future::join_all(attempts).await {
        assert_code(&body, "UNAUTHENTICATED");
    }
    assert_code(
        &app.login(&owner.email, PASSWORD, None).await,
        "ACCOUNT_LOCKED",
    );
}

#[tokio::test]
async fn a_lock_that_has_run_out_lets_the_user_in_and_starts_a_fresh_count() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("unlock")).await;
    for _ in 0..5 {
        assert_code(
            &app.login(&owner.email, "wrong password", None).await,
            "UNAUTHENTICATED",
        );
    }
    assert_code(
        &app.login(&owner.email, PASSWORD, None).await,
        "ACCOUNT_LOCKED",
    );

    // Fifteen minutes pass.
    let user_id = uuid::Uuid::parse_str(&owner.user_id).unwrap();
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    entity::users::Entity::update_many()
        .col_expr(entity::users::Column::LockedUntil, Expr::value(Some(past)))
        .filter(entity::users::Column::Id.eq(user_id))
        .exec(&app.db.conn)
        .await
        .unwrap();

    // One more failure does not lock again at once: the count starts afresh.
    assert_code(
        &app.login(&owner.email, "wrong password", None).await,
        "UNAUTHENTICATED",
    );
    assert_ok(&app.login(&owner.email, PASSWORD, None).await);
}

#[tokio::test]
async fn an_expired_access_token_is_unauthenticated_but_can_be_refreshed() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("expire")).await;
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    let user_id = uuid::Uuid::parse_str(&owner.user_id).unwrap();
    entity::sessions::Entity::update_many()
        .col_expr(entity::sessions::Column::AccessExpiresAt, Expr::value(past))
        .filter(entity::sessions::Column::UserId.eq(user_id))
        .exec(&app.db.conn)
        .await
        .unwrap();
    assert_code(&me(&app, &owner.token).await, "UNAUTHENTICATED");

    let body = refresh(&app, &owner.refresh_token).await;
    assert_ok(&body);
    let access = str_of(&body["data"]["refreshSession"]["accessToken"]);
    assert_ok(&me(&app, &access).await);

    // An expired refresh token is refused in turn.
    entity::sessions::Entity::update_many()
        .col_expr(
            entity::sessions::Column::RefreshExpiresAt,
            Expr::value(past),
        )
        .filter(entity::sessions::Column::UserId.eq(user_id))
        .exec(&app.db.conn)
        .await
        .unwrap();
    let refresh_token = str_of(&body["data"]["refreshSession"]["refreshToken"]);
    assert_code(&refresh(&app, &refresh_token).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_sessions_ended_by_a_password_change_cannot_be_refreshed() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("pwrefresh")).await;
    let other = app.login(&owner.email, PASSWORD, None).await;
    let other_refresh = str_of(&other["data"]["login"]["refreshToken"]);
    assert_ok(&change_password(&app, &owner.token, PASSWORD, "a brand new password").await);
    assert_code(&refresh(&app, &other_refresh).await, "UNAUTHENTICATED");
    assert_ok(&refresh(&app, &owner.refresh_token).await);
}

#[tokio::test]
async fn signing_up_with_a_registered_email_is_a_conflict_whatever_the_password() {
    // This test asserted that signing up again with the account's password added an
    // organization to it; sign-up no longer checks existing passwords (createOrganization does
    // that job for a logged-in user).
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("regd")).await;
    let new_slug = slug("regd2");
    for password in ["some other password", PASSWORD] {
        let mut input = sign_up_input(&new_slug, &owner.email);
        input["password"] = json!(password);
        let body = app.gql(None, SIGN_UP, json!({ "input": input })).await;
        assert_code(&body, "CONFLICT");
    }
    // The refused sign-ups left the slug free.
    let body = app
        .gql(
            None,
            SIGN_UP,
            json!({ "input": sign_up_input(&new_slug, &format!("new@{new_slug}.example.com")) }),
        )
        .await;
    assert_ok(&body);
}

#[tokio::test]
async fn an_api_key_has_no_session_to_switch_or_password_to_change() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("keysess")).await;
    let (_, secret) = app.api_key(&owner, &["org:read"], None).await;
    let body = app
        .gql(
            Some(&secret),
            "mutation($slug: String!) { switchOrganization(input: { organizationSlug: $slug }) { accessToken } }",
            json!({ "slug": owner.slug }),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    let body = change_password(&app, &secret, PASSWORD, "a brand new password").await;
    assert_code(&body, "FORBIDDEN");
    assert_ok(&app.login(&owner.email, PASSWORD, None).await);
}

#[tokio::test]
async fn a_forged_refresh_token_does_not_revoke_someone_elses_session() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("forge")).await;
    let admin = app.member(&owner, "ADMIN").await;
    let login = app.login(&owner.email, PASSWORD, None).await;
    let victim_token = str_of(&login["data"]["login"]["accessToken"]);

    // The admin reads the owner's session id from the audit log...
    let audit = app
        .gql(
            Some(&admin.token),
            "query($user: ID!) { auditLogs(filter: { action: \"login\", actorUserId: $user }) {
                nodes { resourceType resourceId } } }",
            json!({ "user": owner.user_id }),
        )
        .await;
    assert_ok(&audit);
    let row = &audit["data"]["auditLogs"]["nodes"][0];
    assert_eq!(row["resourceType"], "session", "{audit}");
    let session_id = uuid::Uuid::parse_str(&str_of(&row["resourceId"])).unwrap();

    // ...and presents a refresh token it never received.
    let forged = format!("fgr_{}_{}", session_id.simple(), "A".repeat(43));
    assert_code(&refresh(&app, &forged).await, "UNAUTHENTICATED");
    assert_ok(&me(&app, &victim_token).await);
}
