//! Members: joining by invitation, roles and their ranks, the last owner, removal, and site
//! restrictions. (Invitations themselves, badges and profile visibility: `invitations.rs`.)

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, Session, TestApp, assert_bad_input, assert_code, assert_ok, slug, str_of,
};

const INVITE_MEMBER: &str = "mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
    token invitation { id email role status sites { id code } } } }";

async fn invite_member(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), INVITE_MEMBER, json!({ "input": input }))
        .await
}

async fn update_member(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        "mutation($input: UpdateMemberInput!) { updateMember(input: $input) {
            member { id role sites { id code } } } }",
        json!({ "input": input }),
    )
    .await
}

async fn remove_member(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!) { removeMember(input: { id: $id }) { removedId } }",
        json!({ "id": id }),
    )
    .await
}

/// The members of the caller's organization, as listed.
async fn members(app: &TestApp, token: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            "{ members { totalCount edges { node { id role createdAt
                user { id email displayName } sites { id code } } } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    body
}

/// The membership id of `session`'s user in its organization.
async fn membership_id(app: &TestApp, token: &str, user_id: &str) -> String {
    let body = members(app, token).await;
    let edge = body["data"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["user"]["id"] == user_id)
        .unwrap_or_else(|| panic!("{user_id} is not a member: {body}"));
    str_of(&edge["node"]["id"])
}

async fn role_of(app: &TestApp, session: &Session) -> Value {
    let body = app
        .gql(Some(&session.token), "{ me { role } }", json!({}))
        .await;
    body["data"]["me"]["role"].clone()
}

#[tokio::test]
async fn a_new_user_invited_signs_up_with_the_token_and_joins_with_the_offered_role() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("addpw")).await;
    let email = format!("Grace@{}.example.com", owner.slug);
    let body = invite_member(
        &app,
        &owner.token,
        json!({ "email": email, "role": "ENGINEER" }),
    )
    .await;
    assert_ok(&body);
    let p = &body["data"]["inviteMember"];
    assert_eq!(p["invitation"]["role"], "ENGINEER");
    assert_eq!(p["invitation"]["email"], email.to_lowercase());
    assert_eq!(p["invitation"]["status"], "PENDING");
    assert_eq!(p["invitation"]["sites"], json!([]));
    let token = str_of(&p["token"]);
    assert!(token.starts_with("fgi_"), "{token}");

    // The email's case does not matter.
    let joined = app.sign_up_invited(&email.to_uppercase(), &token).await;
    assert_ok(&joined);
    assert_eq!(joined["data"]["signUp"]["role"], "ENGINEER");
    assert_eq!(
        joined["data"]["signUp"]["organization"]["id"],
        owner.organization_id.as_str()
    );
    let login = app.login(&email, PASSWORD, None).await;
    assert_ok(&login);
    assert_eq!(login["data"]["login"]["role"], "ENGINEER");
    // Joining created no organization of their own.
    let orgs = app
        .gql(
            Some(&str_of(&login["data"]["login"]["accessToken"])),
            "{ me { organizations { organization { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        orgs["data"]["me"]["organizations"].as_array().map(Vec::len),
        Some(1),
        "{orgs}"
    );
}

#[tokio::test]
async fn inviting_a_member_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("twice")).await;
    let viewer = app.member(&owner, "VIEWER").await;
    let body = invite_member(
        &app,
        &owner.token,
        json!({ "email": viewer.email.to_uppercase(), "role": "ADMIN" }),
    )
    .await;
    assert_code(&body, "CONFLICT");
    // The owner is a member already too.
    let body = invite_member(
        &app,
        &owner.token,
        json!({ "email": owner.email, "role": "VIEWER" }),
    )
    .await;
    assert_code(&body, "CONFLICT");
    assert_eq!(role_of(&app, &viewer).await, "VIEWER");
    assert_eq!(
        members(&app, &owner.token).await["data"]["members"]["totalCount"],
        2
    );
}

#[tokio::test]
async fn invite_member_validates_its_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("addbad")).await;
    let body = invite_member(
        &app,
        &owner.token,
        json!({ "email": "nope", "role": "VIEWER" }),
    )
    .await;
    assert_bad_input(&body, "input.email");
    let body = invite_member(
        &app,
        &owner.token,
        json!({ "email": "bad.site@example.com", "role": "VIEWER", "siteIds": [uuid::Uuid::now_v7().to_string()] }),
    )
    .await;
    // An unknown site is absent, like any other ID the caller cannot see
    // (docs/ARCHITECTURE.md §4.3).
    assert_code(&body, "NOT_FOUND");
    // None of the refused invitations was stored.
    let body = app
        .gql(
            Some(&owner.token),
            "{ members { totalCount } invitations { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["members"]["totalCount"], 1, "{body}");
    assert_eq!(body["data"]["invitations"]["totalCount"], 0, "{body}");
}

#[tokio::test]
async fn a_members_role_changes_take_effect_on_their_current_session() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("roles")).await;
    let viewer = app.member(&owner, "VIEWER").await;
    let id = membership_id(&app, &owner.token, &viewer.user_id).await;

    let refused = app
        .gql(
            Some(&viewer.token),
            "mutation { createSite(input: { code: \"S1\", name: \"Site\" }) { site { id } } }",
            json!({}),
        )
        .await;
    assert_code(&refused, "FORBIDDEN");

    let body = update_member(&app, &owner.token, json!({ "id": id, "role": "ENGINEER" })).await;
    assert_ok(&body);
    assert_eq!(body["data"]["updateMember"]["member"]["role"], "ENGINEER");
    assert_eq!(role_of(&app, &viewer).await, "ENGINEER");
    app.create_site(&viewer.token, "S1").await;

    let body = update_member(&app, &owner.token, json!({ "id": id, "role": "OPERATOR" })).await;
    assert_ok(&body);
    assert_eq!(role_of(&app, &viewer).await, "OPERATOR");
}

#[tokio::test]
async fn an_admin_can_neither_grant_owner_nor_touch_an_owner() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("rank")).await;
    let admin = app.member(&owner, "ADMIN").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let owner_id = membership_id(&app, &owner.token, &owner.user_id).await;
    let viewer_id = membership_id(&app, &owner.token, &viewer.user_id).await;

    let body = invite_member(
        &app,
        &admin.token,
        json!({ "email": "new.owner@example.com", "role": "OWNER" }),
    )
    .await;
    assert_code(&body, "FORBIDDEN");
    let body = update_member(
        &app,
        &admin.token,
        json!({ "id": viewer_id, "role": "OWNER" }),
    )
    .await;
    assert_code(&body, "FORBIDDEN");
    let body = update_member(
        &app,
        &admin.token,
        json!({ "id": owner_id, "role": "VIEWER" }),
    )
    .await;
    assert_code(&body, "FORBIDDEN");
    let body = remove_member(&app, &admin.token, &owner_id).await;
    assert_code(&body, "FORBIDDEN");

    assert_eq!(role_of(&app, &owner).await, "OWNER");
    assert_eq!(role_of(&app, &viewer).await, "VIEWER");

    // What an admin may do: manage roles up to their own.
    let body = update_member(
        &app,
        &admin.token,
        json!({ "id": viewer_id, "role": "ADMIN" }),
    )
    .await;
    assert_ok(&body);
    assert_eq!(role_of(&app, &viewer).await, "ADMIN");
}

#[tokio::test]
async fn the_last_owner_can_be_neither_demoted_nor_removed() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("last")).await;
    let owner_id = membership_id(&app, &owner.token, &owner.user_id).await;
    let body = update_member(
        &app,
        &owner.token,
        json!({ "id": owner_id, "role": "ADMIN" }),
    )
    .await;
    assert_code(&body, "CONFLICT");
    let body = remove_member(&app, &owner.token, &owner_id).await;
    assert_code(&body, "CONFLICT");
    assert_eq!(role_of(&app, &owner).await, "OWNER");
    // Keeping the role is not a demotion.
    let body = update_member(
        &app,
        &owner.token,
        json!({ "id": owner_id, "role": "OWNER" }),
    )
    .await;
    assert_ok(&body);
}

#[tokio::test]
async fn with_two_owners_one_can_be_demoted_and_then_the_other_is_the_last() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("owners")).await;
    let co_owner = app.member(&owner, "OWNER").await;
    assert_eq!(role_of(&app, &co_owner).await, "OWNER");
    let owner_id = membership_id(&app, &owner.token, &owner.user_id).await;
    let co_id = membership_id(&app, &owner.token, &co_owner.user_id).await;

    let body = update_member(
        &app,
        &co_owner.token,
        json!({ "id": owner_id, "role": "ADMIN" }),
    )
    .await;
    assert_ok(&body);
    assert_eq!(role_of(&app, &owner).await, "ADMIN");

    // The co-owner is now the last one.
    let body = update_member(
        &app,
        &co_owner.token,
        json!({ "id": co_id, "role": "ADMIN" }),
    )
    .await;
    assert_code(&body, "CONFLICT");
    let body = remove_member(&app, &co_owner.token, &co_id).await;
    assert_code(&body, "CONFLICT");
}

#[tokio::test]
async fn with_two_owners_one_can_be_removed() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("rmowner")).await;
    let co_owner = app.member(&owner, "OWNER").await;
    let co_id = membership_id(&app, &owner.token, &co_owner.user_id).await;
    let body = remove_member(&app, &owner.token, &co_id).await;
    assert_ok(&body);
    assert_eq!(body["data"]["removeMember"]["removedId"], co_id.as_str());
    assert_eq!(
        members(&app, &owner.token).await["data"]["members"]["totalCount"],
        1
    );
}

#[tokio::test]
async fn removing_a_member_ends_their_sessions_in_that_organization() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("remove")).await;
    let home = app.sign_up(&slug("home")).await;
    let engineer = app.join(&owner, &home, "ENGINEER").await;
    let id = membership_id(&app, &owner.token, &engineer.user_id).await;

    let body = remove_member(&app, &owner.token, &id).await;
    assert_ok(&body);
    let me = app
        .gql(Some(&engineer.token), "{ me { role } }", json!({}))
        .await;
    assert_code(&me, "UNAUTHENTICATED");
    assert_code(
        &app.login(&engineer.email, PASSWORD, Some(&owner.slug))
            .await,
        "UNAUTHENTICATED",
    );
    // Their session in their own organization is untouched.
    assert_eq!(role_of(&app, &home).await, "OWNER");

    // Invited back, they need a new session: the old one stays revoked.
    let token = app.invite(&owner, &engineer.email, "VIEWER", None).await;
    assert_ok(&app.accept(&home, &token).await);
    let me = app
        .gql(Some(&engineer.token), "{ me { role } }", json!({}))
        .await;
    assert_code(&me, "UNAUTHENTICATED");
    let login = app
        .login(&engineer.email, PASSWORD, Some(&owner.slug))
        .await;
    assert_eq!(login["data"]["login"]["role"], "VIEWER", "{login}");
    // Removing a member that is gone is NOT_FOUND.
    assert_code(&remove_member(&app, &owner.token, &id).await, "NOT_FOUND");
}

#[tokio::test]
async fn a_member_of_another_organization_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("ours")).await;
    let other = app.sign_up(&slug("foreign")).await;
    let other_id = membership_id(&app, &other.token, &other.user_id).await;
    assert_code(
        &update_member(
            &app,
            &owner.token,
            json!({ "id": other_id, "role": "VIEWER" }),
        )
        .await,
        "NOT_FOUND",
    );
    assert_code(
        &remove_member(&app, &owner.token, &other_id).await,
        "NOT_FOUND",
    );
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { member(id: $id) { id } }",
            json!({ "id": other_id }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    assert_eq!(role_of(&app, &other).await, "OWNER");
}

#[tokio::test]
async fn a_site_restricted_member_sees_only_their_sites() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("restrict")).await;
    let site_a = app.create_site(&owner.token, "SITE-A").await;
    let site_b = app.create_site(&owner.token, "SITE-B").await;
    let robot_a = app.create_robot(&owner.token, &site_a, None, "R-A").await;
    let robot_b = app.create_robot(&owner.token, &site_b, None, "R-B").await;
    let machine_b = app.create_machine(&owner.token, &site_b, "M-B").await;

    let email = format!("restricted@{}.example.com", owner.slug);
    let body = invite_member(
        &app,
        &owner.token,
        json!({ "email": email, "role": "ENGINEER", "siteIds": [site_a] }),
    )
    .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["inviteMember"]["invitation"]["sites"],
        json!([{ "id": site_a, "code": "SITE-A" }])
    );
    let joined = app
        .sign_up_invited(&email, &str_of(&body["data"]["inviteMember"]["token"]))
        .await;
    assert_ok(&joined);
    let token = str_of(&joined["data"]["signUp"]["accessToken"]);

    let sites = app
        .gql(
            Some(&token),
            "{ sites { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_ok(&sites);
    assert_eq!(sites["data"]["sites"]["totalCount"], 1);
    assert_eq!(
        sites["data"]["sites"]["edges"][0]["node"]["id"],
        site_a.as_str()
    );

    let robots = app
        .gql(
            Some(&token),
            "{ robots { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_ok(&robots);
    assert_eq!(robots["data"]["robots"]["totalCount"], 1);
    assert_eq!(
        robots["data"]["robots"]["edges"][0]["node"]["id"],
        robot_a.as_str()
    );

    for (query, id) in [
        ("query($id: ID!) { site(id: $id) { id } }", &site_b),
        ("query($id: ID!) { robot(id: $id) { id } }", &robot_b),
        ("query($id: ID!) { asset(id: $id) { id } }", &robot_b),
        ("query($id: ID!) { machine(id: $id) { id } }", &machine_b),
    ] {
        let body = app.gql(Some(&token), query, json!({ "id": id })).await;
        assert_code(&body, "NOT_FOUND");
    }
    let body = app
        .gql(
            Some(&token),
            "{ siteByCode(code: \"SITE-B\") { id } }",
            json!({}),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            Some(&token),
            "query($id: ID!) { robot(id: $id) { id site { code } } }",
            json!({ "id": robot_a }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["robot"]["site"]["code"], "SITE-A");
    // An engineer restricted to site A cannot create assets on site B either.
    let body = app
        .gql(
            Some(&token),
            "mutation($site: ID!) { createRobot(input: { siteId: $site, code: \"R-X\", name: \"X\",
                vendor: \"KUKA\", model: \"KR\" }) { robot { id } } }",
            json!({ "site": site_b }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let all = app
        .gql(Some(&owner.token), "{ robots { totalCount } }", json!({}))
        .await;
    assert_eq!(all["data"]["robots"]["totalCount"], 2, "{all}");
}

#[tokio::test]
async fn lifting_a_site_restriction_shows_every_site_again() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("lift")).await;
    let site_a = app.create_site(&owner.token, "SITE-A").await;
    app.create_site(&owner.token, "SITE-B").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let id = membership_id(&app, &owner.token, &viewer.user_id).await;
    let count = |token: String| {
        let app = &app;
        async move {
            let body = app
                .gql(Some(&token), "{ sites { totalCount } }", json!({}))
                .await;
            body["data"]["sites"]["totalCount"].clone()
        }
    };
    assert_eq!(count(viewer.token.clone()).await, 2);
    let body = update_member(&app, &owner.token, json!({ "id": id, "siteIds": [site_a] })).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateMember"]["member"]["sites"][0]["id"],
        site_a.as_str()
    );
    assert_eq!(count(viewer.token.clone()).await, 1);
    let body = update_member(&app, &owner.token, json!({ "id": id, "siteIds": [] })).await;
    assert_ok(&body);
    assert_eq!(body["data"]["updateMember"]["member"]["sites"], json!([]));
    assert_eq!(count(viewer.token.clone()).await, 2);
}

#[tokio::test]
async fn only_admins_manage_members() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("nonadmin")).await;
    let victim = app.member(&owner, "VIEWER").await;
    let victim_id = membership_id(&app, &owner.token, &victim.user_id).await;
    for role in ["ENGINEER", "OPERATOR", "VIEWER"] {
        let member = app.member(&owner, role).await;
        let body = invite_member(
            &app,
            &member.token,
            json!({ "email": format!("x-{}@example.com", role.to_lowercase()), "role": "VIEWER" }),
        )
        .await;
        assert_code(&body, "FORBIDDEN");
        let body = update_member(
            &app,
            &member.token,
            json!({ "id": victim_id, "role": "ADMIN" }),
        )
        .await;
        assert_code(&body, "FORBIDDEN");
        let body = remove_member(&app, &member.token, &victim_id).await;
        assert_code(&body, "FORBIDDEN");
    }
    assert_eq!(role_of(&app, &victim).await, "VIEWER");
    assert_eq!(
        members(&app, &owner.token).await["data"]["members"]["totalCount"],
        5
    );
}

#[tokio::test]
async fn a_viewer_reads_the_member_list_with_users_and_sites() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("list")).await;
    let site = app.create_site(&owner.token, "PLANT").await;
    let email = app
        .member_with_sites(&owner, "OPERATOR", Some(&[site.as_str()]))
        .await
        .email;
    let viewer = app.member(&owner, "VIEWER").await;

    let body = members(&app, &viewer.token).await;
    let list = &body["data"]["members"];
    assert_eq!(list["totalCount"], 3);
    let edges = list["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 3);
    let by_email = |email: &str| {
        edges
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["user"]["email"] == email)
            .unwrap_or_else(|| panic!("{email} not listed: {body}"))
            .clone()
    };
    let owner_row = by_email(&owner.email);
    assert_eq!(owner_row["role"], "OWNER");
    assert_eq!(owner_row["user"]["id"], owner.user_id.as_str());
    assert_eq!(owner_row["sites"], json!([]));
    let restricted = by_email(&email);
    assert_eq!(restricted["role"], "OPERATOR");
    assert_eq!(
        restricted["sites"],
        json!([{ "id": site, "code": "PLANT" }])
    );
    assert_eq!(by_email(&viewer.email)["role"], "VIEWER");

    // One member by id, too.
    let id = str_of(&restricted["id"]);
    let one = app
        .gql(
            Some(&viewer.token),
            "query($id: ID!) { member(id: $id) { role user { email } } }",
            json!({ "id": id }),
        )
        .await;
    assert_ok(&one);
    assert_eq!(one["data"]["member"]["user"]["email"], email.as_str());
}

#[tokio::test]
async fn an_api_key_cannot_manage_members() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("keymem")).await;
    let (_, secret) = app
        .api_key(
            &owner,
            &["org:read", "sites:write", "assets:write", "audit:read"],
            None,
        )
        .await;
    let body = invite_member(
        &app,
        &secret,
        json!({ "email": "intruder@example.com", "role": "ADMIN" }),
    )
    .await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(
        members(&app, &owner.token).await["data"]["members"]["totalCount"],
        1
    );
}

#[tokio::test]
async fn a_site_of_another_organization_cannot_restrict_a_member() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("siteown")).await;
    let other = app.sign_up(&slug("siteother")).await;
    let foreign_site = app.create_site(&other.token, "THEIRS").await;
    let own_site = app.create_site(&owner.token, "OURS").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let id = membership_id(&app, &owner.token, &viewer.user_id).await;

    let body = update_member(
        &app,
        &owner.token,
        json!({ "id": id, "siteIds": [own_site, foreign_site] }),
    )
    .await;
    // Another organization's site is NOT_FOUND, never a hint that it exists
    // (docs/ARCHITECTURE.md §4.3).
    assert_code(&body, "NOT_FOUND");
    let body = update_member(&app, &owner.token, json!({ "id": id, "siteIds": ["nope"] })).await;
    assert_bad_input(&body, "input.siteIds.0");
    // Neither refusal restricted the member.
    let sites = app
        .gql(Some(&viewer.token), "{ sites { totalCount } }", json!({}))
        .await;
    assert_eq!(sites["data"]["sites"]["totalCount"], 1, "{sites}");
    let row = members(&app, &owner.token).await;
    assert!(
        row["data"]["members"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["sites"] == json!([])),
        "{row}"
    );
}

#[tokio::test]
async fn a_site_restricted_member_cannot_reach_zones_of_other_sites() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("zones")).await;
    let site_a = app.create_site(&owner.token, "SITE-A").await;
    let site_b = app.create_site(&owner.token, "SITE-B").await;
    let zone_a = app.create_zone(&owner.token, &site_a, "ZA").await;
    let zone_b = app.create_zone(&owner.token, &site_b, "ZB").await;
    let token = app
        .member_with_sites(&owner, "VIEWER", Some(&[site_a.as_str()]))
        .await
        .token;

    let body = app
        .gql(
            Some(&token),
            "query($id: ID!) { zone(id: $id) { code } }",
            json!({ "id": zone_a }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["zone"]["code"], "ZA");
    let body = app
        .gql(
            Some(&token),
            "query($id: ID!) { zone(id: $id) { code } }",
            json!({ "id": zone_b }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            Some(&token),
            "query($id: ID!) { zones(siteId: $id) { code } }",
            json!({ "id": site_b }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
}

#[tokio::test]
async fn a_site_restricted_member_can_be_removed() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("rmsite")).await;
    let site = app.create_site(&owner.token, "PLANT").await;
    let member = app
        .member_with_sites(&owner, "OPERATOR", Some(&[site.as_str()]))
        .await;
    let id = membership_id(&app, &owner.token, &member.user_id).await;
    let body = remove_member(&app, &owner.token, &id).await;
    assert_ok(&body);
    assert_eq!(
        members(&app, &owner.token).await["data"]["members"]["totalCount"],
        1
    );
    // The site is not held by the removed restriction.
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { deleteSite(input: { id: $id }) { deletedId } }",
            json!({ "id": site }),
        )
        .await;
    assert_ok(&body);
}
