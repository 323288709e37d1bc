//! Invitations (no one joins without consent, and inviting reveals nothing about accounts),
//! badges that belong to the membership, and profiles visible only to an organization the user
//! is a member of.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    PASSWORD, Session, TestApp, assert_bad_input, assert_code, assert_ok, slug, str_of,
};

const INVITE: &str = "mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
    token invitation { id email role status sites { id } invitedBy { id } acceptedBy { id }
    expiresAt respondedAt createdAt } } }";

async fn invite(app: &TestApp, admin: &Session, email: &str, role: &str) -> Value {
    app.gql(
        Some(&admin.token),
        INVITE,
        json!({ "input": { "email": email, "role": role } }),
    )
    .await
}

async fn decline(app: &TestApp, who: &Session, token: &str) -> Value {
    app.gql(
        Some(&who.token),
        "mutation($t: String!) { declineInvitation(input: { token: $t }) { success } }",
        json!({ "t": token }),
    )
    .await
}

async fn revoke(app: &TestApp, admin: &Session, id: &str) -> Value {
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { revokeInvitation(input: { id: $id }) { invitation { status } } }",
        json!({ "id": id }),
    )
    .await
}

async fn member_count(app: &TestApp, admin: &Session) -> i64 {
    let body = app
        .gql(Some(&admin.token), "{ members { totalCount } }", json!({}))
        .await;
    assert_ok(&body);
    body["data"]["members"]["totalCount"].as_i64().unwrap()
}

async fn received(app: &TestApp, who: &Session) -> Vec<Value> {
    let body = app
        .gql(
            Some(&who.token),
            "{ me { invitations { id organizationName organizationSlug role expiresAt } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    body["data"]["me"]["invitations"]
        .as_array()
        .unwrap()
        .clone()
}

/// The shape of a JSON value with the values of `volatile` keys blanked.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "token" | "id" | "email" | "expiresAt" | "createdAt" => json!("*"),
                        _ => shape(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn inviting_answers_the_same_for_an_existing_account_and_an_unknown_email() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up(&slug("enum")).await;
    let existing = app.sign_up(&slug("exists")).await;
    let known = invite(&app, &admin, &existing.email, "OPERATOR").await;
    let unknown = invite(&app, &admin, "nobody-here@example.com", "OPERATOR").await;
    assert_ok(&known);
    assert_ok(&unknown);
    assert_eq!(shape(&known), shape(&unknown), "{known} / {unknown}");
    // Nothing about the existing account comes back: no user, no profile.
    let p = &known["data"]["inviteMember"];
    assert_eq!(p["invitation"]["acceptedBy"], Value::Null);
    assert_eq!(p["invitation"]["status"], "PENDING");
    assert!(str_of(&p["token"]).starts_with("fgi_"));
    assert!(!known.to_string().contains(&existing.user_id), "{known}");
}

#[tokio::test]
async fn an_invited_user_becomes_a_member_only_by_accepting() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up(&slug("consent")).await;
    let guest = app.sign_up(&slug("guest")).await;
    let body = invite(&app, &admin, &guest.email.to_uppercase(), "OPERATOR").await;
    assert_ok(&body);
    let token = str_of(&body["data"]["inviteMember"]["token"]);
    let id = str_of(&body["data"]["inviteMember"]["invitation"]["id"]);

    // Invited is not joined: no membership, no way in.
    assert_eq!(member_count(&app, &admin).await, 1);
    assert_code(
        &app.login(&guest.email, PASSWORD, Some(&admin.slug)).await,
        "UNAUTHENTICATED",
    );
    // The invitee sees the invitation addressed to them.
    let seen = received(&app, &guest).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["id"], id.as_str());
    assert_eq!(seen[0]["organizationSlug"], admin.slug.as_str());
    assert_eq!(seen[0]["role"], "OPERATOR");
    // Nobody else does.
    assert!(received(&app, &admin).await.is_empty());

    let body = app.accept(&guest, &token).await;
    assert_ok(&body);
    assert_eq!(body["data"]["acceptInvitation"]["role"], "OPERATOR");
    assert_eq!(
        body["data"]["acceptInvitation"]["organization"]["slug"],
        admin.slug.as_str()
    );
    assert_eq!(member_count(&app, &admin).await, 2);
    assert!(received(&app, &guest).await.is_empty());
    let login = app.login(&guest.email, PASSWORD, Some(&admin.slug)).await;
    assert_eq!(login["data"]["login"]["role"], "OPERATOR", "{login}");
    // Their own organization is untouched.
    let home = app.login(&guest.email, PASSWORD, Some(&guest.slug)).await;
    assert_eq!(home["data"]["login"]["role"], "OWNER", "{home}");

    let list = app
        .gql(
            Some(&admin.token),
            "{ invitations { totalCount nodes { id status acceptedBy { id } respondedAt } } }",
            json!({}),
        )
        .await;
    assert_ok(&list);
    let row = &list["data"]["invitations"]["nodes"][0];
    assert_eq!(row["status"], "ACCEPTED");
    assert_eq!(row["acceptedBy"]["id"], guest.user_id.as_str());
    assert!(row["respondedAt"].is_string());
}

#[tokio::test]
async fn an_invitation_addressed_to_someone_else_cannot_be_used() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up(&slug("wrong")).await;
    let invitee = app.sign_up(&slug("invitee")).await;
    let thief = app.sign_up(&slug("thief")).await;
    let body = invite(&app, &admin, &invitee.email, "ADMIN").await;
    let token = str_of(&body["data"]["inviteMember"]["token"]);

    assert_code(&app.accept(&thief, &token).await, "FORBIDDEN");
    assert_code(&decline(&app, &thief, &token).await, "FORBIDDEN");
    // Nor can a new account for another address sign up with it.
    assert_code(
        &app.sign_up_invited("someone.else@example.com", &token)
            .await,
        "FORBIDDEN",
    );
    assert_code(
        &app.login("someone.else@example.com", PASSWORD, None).await,
        "UNAUTHENTICATED",
    );
    assert_eq!(member_count(&app, &admin).await, 1);
    // The invitation is still open for the person it was meant for.
    assert_ok(&app.accept(&invitee, &token).await);
    assert_eq!(member_count(&app, &admin).await, 2);
}

#[tokio::test]
async fn used_declined_revoked_expired_and_unknown_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up(&slug("tokens")).await;
    let guest = app.sign_up(&slug("tguest")).await;

    // Used.
    let token = app.invite(&admin, &guest.email, "VIEWER", None).await;
    assert_ok(&app.accept(&guest, &token).await);
    assert_code(&app.accept(&guest, &token).await, "CONFLICT");
    assert_code(&decline(&app, &guest, &token).await, "CONFLICT");

    // Declined.
    let other = app.sign_up(&slug("tother")).await;
    let token = app.invite(&admin, &other.email, "VIEWER", None).await;
    let body = decline(&app, &other, &token).await;
    assert_ok(&body);
    assert!(received(&app, &other).await.is_empty());
    assert_code(&app.accept(&other, &token).await, "CONFLICT");

    // Revoked, also for a new account signing up with it.
    let body = invite(&app, &admin, &other.email, "VIEWER").await;
    let token = str_of(&body["data"]["inviteMember"]["token"]);
    let id = str_of(&body["data"]["inviteMember"]["invitation"]["id"]);
    let body = revoke(&app, &admin, &id).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["revokeInvitation"]["invitation"]["status"],
        "REVOKED"
    );
    assert_code(&revoke(&app, &admin, &id).await, "CONFLICT");
    assert_code(&app.accept(&other, &token).await, "CONFLICT");
    let fresh = format!("fresh@{}.example.com", admin.slug);
    let body = invite(&app, &admin, &fresh, "VIEWER").await;
    let fresh_token = str_of(&body["data"]["inviteMember"]["token"]);
    let fresh_id = str_of(&body["data"]["inviteMember"]["invitation"]["id"]);
    assert_ok(&revoke(&app, &admin, &fresh_id).await);
    assert_code(&app.sign_up_invited(&fresh, &fresh_token).await, "CONFLICT");
    assert_code(&app.login(&fresh, PASSWORD, None).await, "UNAUTHENTICATED");

    // Replaced: inviting the same address again revokes the earlier token.
    let first = app.invite(&admin, &other.email, "VIEWER", None).await;
    let second = app.invite(&admin, &other.email, "ENGINEER", None).await;
    assert_code(&app.accept(&other, &first).await, "CONFLICT");
    assert_eq!(received(&app, &other).await.len(), 1);

    // Expired: the clock is moved on in the database.
    let moved = entity::invitations::Entity::update_many()
        .col_expr(
            entity::invitations::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(5)),
        )
        .filter(entity::invitations::Column::TokenHash.eq(api::auth::tokens::hash_secret(&second)))
        .exec(&app.db.conn)
        .await
        .expect("the invitation's expiry is moved into the past");
    assert_eq!(moved.rows_affected, 1);
    assert!(received(&app, &other).await.is_empty());
    assert_code(&app.accept(&other, &second).await, "CONFLICT");
    let list = app
        .gql(
            Some(&admin.token),
            "{ invitations(first: 1) { nodes { status } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["data"]["invitations"]["nodes"][0]["status"], "EXPIRED");

    // Unknown.
    assert_code(&app.accept(&other, "fgi_nonsense").await, "NOT_FOUND");
    assert_code(&app.sign_up_invited("x@example.com", "").await, "NOT_FOUND");
    assert_eq!(member_count(&app, &admin).await, 2);
}

#[tokio::test]
async fn racing_accepts_of_one_invitation_make_one_membership() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up(&slug("race")).await;
    let guest = app.sign_up(&slug("racer")).await;
    let token = app.invite(&admin, &guest.email, "ENGINEER", None).await;
    let attempts = futures::future::join_all((0..8).map(|_| app.accept(&guest, &token))).await;
    let ok = attempts
        .iter()
        .filter(|b| b["data"]["acceptInvitation"].is_object())
        .count();
    assert_eq!(ok, 1, "{attempts:?}");
    for body in attempts
        .iter()
        .filter(|b| !b["data"]["acceptInvitation"].is_object())
    {
        assert_code(body, "CONFLICT");
    }
    assert_eq!(member_count(&app, &admin).await, 2);
}

#[tokio::test]
async fn signing_up_with_an_invitation_works_where_sign_up_is_disabled_and_needs_no_organization() {
    let app = TestApp::spawn_with(|c| c.disable_signup = true).await;
    // With sign-up disabled the first organization comes from the database, as in production.
    let owner = {
        let open = app.spawn_sibling().await;
        open.sign_up(&slug("closed")).await
    };
    let email = format!("new@{}.example.com", owner.slug);
    let token = app.invite(&owner, &email, "VIEWER", None).await;
    let joined = app.sign_up_invited(&email, &token).await;
    assert_ok(&joined);
    assert_eq!(joined["data"]["signUp"]["role"], "VIEWER");
    // Without a token it stays closed.
    let body = app
        .gql(
            None,
            "mutation { signUp(input: { organizationName: \"X\", organizationSlug: \"x-closed\",
                email: \"x@example.com\", password: \"correct horse battery\", displayName: \"X\" })
                { accessToken } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
}

#[tokio::test]
async fn sign_up_takes_either_an_organization_or_an_invitation() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up(&slug("either")).await;
    let email = format!("both@{}.example.com", admin.slug);
    let token = app.invite(&admin, &email, "VIEWER", None).await;
    let body = app
        .gql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
            json!({ "input": { "email": email, "password": PASSWORD, "displayName": "B",
                "organizationName": "Mine", "organizationSlug": slug("mine"),
                "invitationToken": token } }),
        )
        .await;
    assert_bad_input(&body, "input.invitationToken");
    let body = app
        .gql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
            json!({ "input": { "email": email, "password": PASSWORD, "displayName": "B" } }),
        )
        .await;
    assert_bad_input(&body, "input.organizationName");
    assert_eq!(member_count(&app, &admin).await, 1);
}

// ---------------------------------------------------------------------------------------------
// badges

async fn membership_of(app: &TestApp, admin: &Session, user: &str) -> String {
    let body = app
        .gql(
            Some(&admin.token),
            "{ members(first: 200) { nodes { id user { id } } } }",
            json!({}),
        )
        .await;
    let node = body["data"]["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["user"]["id"] == user)
        .cloned()
        .unwrap_or_else(|| panic!("{user} is not a member: {body}"));
    str_of(&node["id"])
}

async fn set_badge(app: &TestApp, admin: &Session, membership: &str, tag: Option<&str>) -> Value {
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!, $tag: String) { updateMember(input: { id: $id, badgeTag: $tag }) {
            member { badgeTag } } }",
        json!({ "id": membership, "tag": tag }),
    )
    .await
}

/// An organization with a machine that requires a badge, and an operator terminal.
async fn badge_plant(app: &TestApp, prefix: &str) -> (Session, String, Session) {
    let owner = app.sign_up(&slug(prefix)).await;
    let site = app.create_site(&owner.token, "PLANT").await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($input: CreateMachineInput!) { createMachine(input: $input) { machine { id } } }",
            json!({ "input": { "siteId": site, "code": "M1", "name": "M1", "vendor": "v", "model": "m",
                "requiresBadge": true, "sessionTimeoutMinutes": 30, "warningMinutes": 5 } }),
        )
        .await;
    assert_ok(&body);
    let machine = str_of(&body["data"]["createMachine"]["machine"]["id"]);
    let terminal = app.member(&owner, "OPERATOR").await;
    (owner, machine, terminal)
}

async fn start_by_badge(app: &TestApp, terminal: &Session, machine: &str, tag: &str) -> Value {
    app.gql(
        Some(&terminal.token),
        "mutation($input: StartMachineSessionInput!) { startMachineSession(input: $input) {
            session { id operator { id } } } }",
        json!({ "input": { "machineId": machine, "badgeTag": tag } }),
    )
    .await
}

#[tokio::test]
async fn badges_belong_to_the_membership_and_clash_only_within_one_organization() {
    let app = TestApp::spawn().await;
    let (a, a_machine, a_terminal) = badge_plant(&app, "badge-a").await;
    let (b, b_machine, b_terminal) = badge_plant(&app, "badge-b").await;
    let home = app.sign_up(&slug("badge-user")).await;
    // One person, a member of both A and B.
    let in_a = app.join(&a, &home, "OPERATOR").await;
    app.join(&b, &home, "OPERATOR").await;
    let a_ship = membership_of(&app, &a, &in_a.user_id).await;
    let b_ship = membership_of(&app, &b, &in_a.user_id).await;
    let tag = format!("RFID-{}", Uuid::now_v7().simple());

    assert_ok(&set_badge(&app, &a, &a_ship, Some(&tag)).await);
    // B sets its own tag for the same person: A's is untouched and still opens A's machine.
    let b_tag = format!("RFID-{}", Uuid::now_v7().simple());
    assert_ok(&set_badge(&app, &b, &b_ship, Some(&b_tag)).await);
    let body = start_by_badge(&app, &a_terminal, &a_machine, &tag).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["startMachineSession"]["session"]["operator"]["id"],
        in_a.user_id.as_str()
    );
    // A's tag means nothing at B's machines.
    let body = start_by_badge(&app, &b_terminal, &b_machine, &tag).await;
    assert_bad_input(&body, "input.badgeTag");

    // The same tag in another organization, on another person, is no clash (and says nothing).
    let b_other = app.member(&b, "OPERATOR").await;
    let b_other_ship = membership_of(&app, &b, &b_other.user_id).await;
    assert_ok(&set_badge(&app, &b, &b_other_ship, Some(&tag)).await);
    let body = start_by_badge(&app, &b_terminal, &b_machine, &tag).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["startMachineSession"]["session"]["operator"]["id"],
        b_other.user_id.as_str()
    );
    // Within one organization a tag is one member's: a CONFLICT.
    let a_other = app.member(&a, "OPERATOR").await;
    let a_other_ship = membership_of(&app, &a, &a_other.user_id).await;
    assert_code(
        &set_badge(&app, &a, &a_other_ship, Some(&tag)).await,
        "CONFLICT",
    );
    // Removing B's badges leaves A's in place.
    assert_ok(&set_badge(&app, &b, &b_other_ship, None).await);
    let read = app
        .gql(
            Some(&a.token),
            "query($id: ID!) { member(id: $id) { badgeTag } }",
            json!({ "id": a_ship }),
        )
        .await;
    assert_eq!(read["data"]["member"]["badgeTag"], tag.as_str());
}

#[tokio::test]
async fn a_badge_is_shown_to_member_managers_and_its_holder_only() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("badge-see")).await;
    let holder = app.member(&owner, "OPERATOR").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let ship = membership_of(&app, &owner, &holder.user_id).await;
    assert_ok(&set_badge(&app, &owner, &ship, Some("TAG-1")).await);
    let read = |token: String| {
        let app = &app;
        let ship = ship.clone();
        async move {
            let body = app
                .gql(
                    Some(&token),
                    "query($id: ID!) { member(id: $id) { badgeTag } }",
                    json!({ "id": ship }),
                )
                .await;
            assert_ok(&body);
            body["data"]["member"]["badgeTag"].clone()
        }
    };
    assert_eq!(read(owner.token.clone()).await, "TAG-1");
    assert_eq!(read(holder.token.clone()).await, "TAG-1");
    assert_eq!(read(viewer.token.clone()).await, Value::Null);
}

// ---------------------------------------------------------------------------------------------
// profiles

#[tokio::test]
async fn a_former_members_profile_is_hidden_from_the_organization() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("former")).await;
    let home = app.sign_up(&slug("former-home")).await;
    let admin = app.join(&owner, &home, "ADMIN").await;
    // What the admin leaves behind: an alert they raised and acknowledged, an API key, an
    // invitation they sent, audit rows.
    let body = app
        .gql(
            Some(&admin.token),
            "mutation { raiseAlert(input: { severity: INFO, title: \"Look\" }) { alert { id } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    let alert = str_of(&body["data"]["raiseAlert"]["alert"]["id"]);
    let body = app
        .gql(
            Some(&admin.token),
            "mutation($id: ID!) { acknowledgeAlert(input: { id: $id }) { alert { id } } }",
            json!({ "id": alert }),
        )
        .await;
    assert_ok(&body);
    app.api_key(&admin, &["assets:read"], None).await;
    app.invite(&admin, "later@example.com", "VIEWER", None)
        .await;

    const TRACES: &str = "query($id: ID!) {
        alert(id: $id) { acknowledgedBy { id email displayName lastLoginAt } }
        apiKeys { nodes { createdBy { id email } } }
        invitations { nodes { invitedBy { id email } } }
        auditLogs(first: 200, filter: { action: \"createApiKey\" }) { nodes { actorUser { id email } } }
    }";
    let before = app
        .gql(Some(&owner.token), TRACES, json!({ "id": alert }))
        .await;
    assert_ok(&before);
    assert_eq!(
        before["data"]["alert"]["acknowledgedBy"]["email"],
        admin.email.as_str()
    );

    let ship = membership_of(&app, &owner, &admin.user_id).await;
    assert_ok(
        &app.gql(
            Some(&owner.token),
            "mutation($id: ID!) { removeMember(input: { id: $id }) { removedId } }",
            json!({ "id": ship }),
        )
        .await,
    );
    let after = app
        .gql(Some(&owner.token), TRACES, json!({ "id": alert }))
        .await;
    assert_ok(&after);
    assert_eq!(after["data"]["alert"]["acknowledgedBy"], Value::Null);
    assert_eq!(
        after["data"]["apiKeys"]["nodes"][0]["createdBy"],
        Value::Null
    );
    assert_eq!(
        after["data"]["invitations"]["nodes"][0]["invitedBy"],
        Value::Null
    );
    assert_eq!(
        after["data"]["auditLogs"]["nodes"][0]["actorUser"],
        Value::Null
    );
    assert!(!after.to_string().contains(&admin.email), "{after}");
    // The person's own organization still sees them.
    let me = app
        .gql(Some(&home.token), "{ me { user { email } } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["user"]["email"], home.email.as_str());
}
