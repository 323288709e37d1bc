//! The audit log, and the one-transaction rule it rests on: every mutation leaves exactly one
//! row, a refused one writes nothing else.

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, Session, TestApp, assert_bad_input, assert_code, assert_ok, error_code, slug, str_of,
};

const ROW: &str =
    "id action resourceType resourceId changes ip requestId success errorCode createdAt
    actorUser { id email } actorApiKey { id }";

async fn audit_logs(app: &TestApp, token: &str, filter: Value) -> Value {
    let body = app
        .gql(
            Some(token),
            &format!(
                "query($filter: AuditLogFilter) {{ auditLogs(first: 200, filter: $filter) {{
                    totalCount nodes {{ {ROW} }} }} }}"
            ),
            json!({ "filter": filter }),
        )
        .await;
    assert_ok(&body);
    body["data"]["auditLogs"].clone()
}

async fn audit_count(app: &TestApp, token: &str) -> i64 {
    audit_logs(app, token, json!(null)).await["totalCount"]
        .as_i64()
        .unwrap()
}

async fn site_count(app: &TestApp, token: &str) -> i64 {
    let body = app
        .gql(
            Some(token),
            "{ sites(filter: { includeArchived: true }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    body["data"]["sites"]["totalCount"].as_i64().unwrap()
}

async fn create_site(app: &TestApp, token: &str, code: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($input: CreateSiteInput!) { createSite(input: $input) { site { id } } }",
        json!({ "input": { "code": code, "name": "Plant One", "timezone": "Europe/Berlin" } }),
    )
    .await
}

async fn owner(app: &TestApp) -> Session {
    app.sign_up(&slug("audit")).await
}

#[tokio::test]
async fn a_successful_create_site_is_audited_with_its_actor_changes_and_origin() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let before = audit_count(&app, &owner.token).await;
    let body = create_site(&app, &owner.token, "plant-1").await;
    assert_ok(&body);
    let site = str_of(&body["data"]["createSite"]["site"]["id"]);

    assert_eq!(audit_count(&app, &owner.token).await, before + 1);
    let logs = audit_logs(&app, &owner.token, json!({ "action": "createSite" })).await;
    assert_eq!(logs["totalCount"], 1, "{logs}");
    let row = &logs["nodes"][0];
    assert_eq!(row["action"], "createSite");
    assert_eq!(row["resourceType"], "site");
    assert_eq!(row["resourceId"], site.as_str());
    assert_eq!(row["success"], true);
    assert!(row["errorCode"].is_null());
    assert_eq!(row["actorUser"]["id"], owner.user_id.as_str());
    assert!(row["actorApiKey"].is_null());
    assert_eq!(row["ip"], "127.0.0.1");
    assert!(
        row["requestId"].as_str().is_some_and(|s| !s.is_empty()),
        "{row}"
    );
    let changes = &row["changes"];
    assert_eq!(changes["code"], "PLANT-1", "{row}");
    assert_eq!(changes["name"], "Plant One", "{row}");
    assert_eq!(changes["timezone"], "Europe/Berlin", "{row}");
}

#[tokio::test]
async fn a_viewer_s_refused_create_site_is_audited_as_forbidden_and_writes_nothing_else() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let viewer = app.member(&owner, "VIEWER").await;
    let before = audit_count(&app, &owner.token).await;

    let body = create_site(&app, &viewer.token, "plant-1").await;
    assert_code(&body, "FORBIDDEN");

    assert_eq!(site_count(&app, &owner.token).await, 0);
    assert_eq!(audit_count(&app, &owner.token).await, before + 1);
    let logs = audit_logs(&app, &owner.token, json!({ "action": "createSite" })).await;
    assert_eq!(logs["totalCount"], 1, "{logs}");
    let row = &logs["nodes"][0];
    assert_eq!(row["success"], false);
    assert_eq!(row["errorCode"], "FORBIDDEN");
    assert_eq!(row["actorUser"]["id"], viewer.user_id.as_str());
    assert_eq!(row["ip"], "127.0.0.1");
}

#[tokio::test]
async fn a_mutation_by_an_api_key_records_the_key_as_its_actor() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let (key_id, secret) = app.api_key(&owner, &["assets:write"], None).await;
    let robot = app.create_robot(&secret, &site, None, "r1").await;
    // And a refusal by the same key.
    let body = create_site(&app, &secret, "nope").await;
    assert_code(&body, "FORBIDDEN");

    let logs = audit_logs(&app, &owner.token, json!({ "actorApiKeyId": key_id })).await;
    assert_eq!(logs["totalCount"], 2, "{logs}");
    let (refused, created) = (&logs["nodes"][0], &logs["nodes"][1]);
    assert_eq!(created["action"], "createRobot");
    assert_eq!(created["resourceId"], robot.as_str());
    assert_eq!(created["success"], true);
    assert_eq!(created["actorApiKey"]["id"], key_id.as_str());
    assert!(created["actorUser"].is_null(), "{created}");
    assert_eq!(created["changes"]["code"], "R1");
    assert_eq!(refused["action"], "createSite");
    assert_eq!(refused["errorCode"], "FORBIDDEN");
    assert_eq!(refused["actorApiKey"]["id"], key_id.as_str());
}

#[tokio::test]
async fn audit_logs_are_filtered_by_action_success_resource_and_actor() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let engineer = app.member(&owner, "ENGINEER").await;
    let s1 = app.create_site(&owner.token, "s1").await;
    let s2 = app.create_site(&engineer.token, "s2").await;
    let body = app
        .gql(
            Some(&engineer.token),
            "mutation($id: ID!) { updateSite(input: { id: $id, name: \"Renamed\" }) { site { id } } }",
            json!({ "id": s1 }),
        )
        .await;
    assert_ok(&body);
    let body = create_site(&app, &engineer.token, "s1").await;
    assert_code(&body, "CONFLICT");

    let creates = audit_logs(&app, &owner.token, json!({ "action": "createSite" })).await;
    assert_eq!(creates["totalCount"], 3, "{creates}");
    let failed = audit_logs(&app, &owner.token, json!({ "success": false })).await;
    assert_eq!(failed["totalCount"], 1, "{failed}");
    assert_eq!(failed["nodes"][0]["action"], "createSite");
    assert_eq!(failed["nodes"][0]["errorCode"], "CONFLICT");
    let on_s1 = audit_logs(&app, &owner.token, json!({ "resourceId": s1 })).await;
    let actions: Vec<&str> = on_s1["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["updateSite", "createSite"]);
    assert_eq!(on_s1["nodes"][0]["changes"], json!({ "name": "Renamed" }));
    let by_engineer = audit_logs(
        &app,
        &owner.token,
        json!({ "actorUserId": engineer.user_id, "resourceType": "site" }),
    )
    .await;
    let rows: Vec<(String, Option<String>)> = by_engineer["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                str_of(&r["action"]),
                r["resourceId"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("updateSite".to_owned(), Some(s1.clone())),
            ("createSite".to_owned(), Some(s2.clone())),
        ]
    );
    let combined = audit_logs(
        &app,
        &owner.token,
        json!({ "actorUserId": engineer.user_id, "action": "createSite", "success": true }),
    )
    .await;
    assert_eq!(combined["totalCount"], 1);
    assert_eq!(combined["nodes"][0]["resourceId"], s2.as_str());
    let bad = app
        .gql(
            Some(&owner.token),
            "{ auditLogs(filter: { resourceId: \"nope\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_bad_input(&bad, "filter.resourceId");
}

#[tokio::test]
async fn audit_logs_are_for_admins_only() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let engineer = app.member(&owner, "ENGINEER").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let admin = app.member(&owner, "ADMIN").await;
    let (_, assets_key) = app
        .api_key(&owner, &["assets:write", "sites:write"], None)
        .await;
    let (_, audit_key) = app.api_key(&owner, &["audit:read"], None).await;
    let query = "{ auditLogs { totalCount nodes { action } } }";
    for token in [&engineer.token, &viewer.token, &assets_key] {
        let body = app.gql(Some(token), query, json!({})).await;
        assert_code(&body, "FORBIDDEN");
        assert!(body["data"].is_null() || body["data"]["auditLogs"].is_null());
    }
    for token in [&owner.token, &admin.token, &audit_key] {
        let body = app.gql(Some(token), query, json!({})).await;
        assert_ok(&body);
        assert!(body["data"]["auditLogs"]["totalCount"].as_i64().unwrap() > 0);
    }
    let body = app.gql(None, query, json!({})).await;
    assert_code(&body, "UNAUTHENTICATED");
}

#[tokio::test]
async fn audit_logs_are_newest_first_and_page_without_gaps() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let mut sites = Vec::new();
    for code in ["a", "b", "c", "d", "e"] {
        sites.push(app.create_site(&owner.token, code).await);
    }
    let logs = audit_logs(&app, &owner.token, json!({ "action": "createSite" })).await;
    let ids: Vec<String> = logs["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| str_of(&r["resourceId"]))
        .collect();
    let newest_first: Vec<String> = sites.iter().rev().cloned().collect();
    assert_eq!(ids, newest_first);

    let all = audit_logs(&app, &owner.token, json!(null)).await;
    let times: Vec<String> = all["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| str_of(&r["createdAt"]))
        .collect();
    let parsed: Vec<chrono::DateTime<chrono::Utc>> =
        times.iter().map(|t| t.parse().unwrap()).collect();
    assert!(
        parsed.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );

    // Paging by two walks the same rows.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app
            .gql(
                Some(&owner.token),
                "query($after: String) { auditLogs(first: 2, after: $after, filter: { action: \"createSite\" }) {
                    pageInfo { hasNextPage endCursor } nodes { resourceId } } }",
                json!({ "after": after }),
            )
            .await;
        assert_ok(&body);
        let conn = &body["data"]["auditLogs"];
        walked.extend(
            conn["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| str_of(&r["resourceId"])),
        );
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(str_of(&conn["pageInfo"]["endCursor"]));
    }
    assert_eq!(walked, newest_first);
}

#[tokio::test]
async fn another_organization_s_audit_rows_are_never_visible() {
    let app = TestApp::spawn().await;
    let a = app.sign_up(&slug("audit-a")).await;
    let b = app.sign_up(&slug("audit-b")).await;
    let b_site = app.create_site(&b.token, "b-plant").await;
    let body = create_site(&app, &b.token, "b-plant").await;
    assert_code(&body, "CONFLICT");
    app.create_site(&a.token, "a-plant").await;

    let all = audit_logs(&app, &a.token, json!(null)).await;
    for row in all["nodes"].as_array().unwrap() {
        assert_ne!(row["resourceId"], b_site.as_str(), "{row}");
        assert_ne!(row["actorUser"]["id"], b.user_id.as_str(), "{row}");
    }
    let creates = audit_logs(&app, &a.token, json!({ "action": "createSite" })).await;
    assert_eq!(creates["totalCount"], 1, "{creates}");
    for filter in [json!({ "resourceId": b_site }), json!({ "success": false })] {
        let logs = audit_logs(&app, &a.token, filter.clone()).await;
        assert_eq!(logs["totalCount"], 0, "{filter}: {logs}");
    }
    // B's user is no one A can see: filtering by them is NOT_FOUND, like any invisible ID.
    let body = app
        .gql(
            Some(&a.token),
            "query($u: ID!) { auditLogs(filter: { actorUserId: $u }) { totalCount } }",
            json!({ "u": b.user_id }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    // B sees its own.
    let logs = audit_logs(&app, &b.token, json!({ "resourceId": b_site })).await;
    assert_eq!(logs["totalCount"], 1);
}

#[tokio::test]
async fn a_create_robot_that_fails_half_way_writes_no_asset() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    // The asset row is written before the configuration is checked: the rollback must undo it.
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($s: ID!) { createRobot(input: { siteId: $s, code: \"r1\", name: \"R\", vendor: \"V\",
                model: \"M\", configuration: [1, 2] }) { robot { id } } }",
            json!({ "s": site }),
        )
        .await;
    assert_bad_input(&body, "input.configuration");
    let body = app
        .gql(
            Some(&owner.token),
            "query($s: ID!) { assets(filter: { includeArchived: true }) { totalCount }
                              site(id: $s) { assetCounts { count } } }",
            json!({ "s": site }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["assets"]["totalCount"], 0);
    assert_eq!(body["data"]["site"]["assetCounts"], json!([]));
    let body = app
        .gql(
            Some(&owner.token),
            "{ assetByCode(code: \"r1\") { id } }",
            json!({}),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    // The same for a machine whose detail is refused after its asset row.
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($s: ID!) { createMachine(input: { siteId: $s, code: \"m1\", name: \"M\", vendor: \"V\",
                model: \"M\", sessionTimeoutMinutes: 5, warningMinutes: 5 }) { machine { id } } }",
            json!({ "s": site }),
        )
        .await;
    assert_bad_input(&body, "input.warningMinutes");
    // The code is still free, so nothing of either attempt survived.
    app.create_robot(&owner.token, &site, None, "r1").await;
    app.create_machine(&owner.token, &site, "m1").await;

    let refused = audit_logs(&app, &owner.token, json!({ "success": false })).await;
    let refusals: Vec<(String, String)> = refused["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (str_of(&r["action"]), str_of(&r["errorCode"])))
        .collect();
    assert_eq!(
        refusals,
        vec![
            ("createMachine".to_owned(), "BAD_USER_INPUT".to_owned()),
            ("createRobot".to_owned(), "BAD_USER_INPUT".to_owned()),
        ]
    );
}

#[tokio::test]
async fn an_invitation_that_fails_half_way_leaves_no_invitation_and_no_membership() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let email = format!("half@{}.example.com", owner.slug);
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }",
            json!({ "input": { "email": email, "role": "ENGINEER",
                               "siteIds": [site, uuid::Uuid::now_v7().to_string()] } }),
        )
        .await;
    let code = error_code(&body);
    assert!(
        matches!(code.as_deref(), Some("NOT_FOUND" | "BAD_USER_INPUT")),
        "{body}"
    );
    let body = app
        .gql(
            Some(&owner.token),
            "{ members { totalCount } invitations { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["members"]["totalCount"], 1, "{body}");
    assert_eq!(body["data"]["invitations"]["totalCount"], 0, "{body}");
    // And the same email can be invited properly afterwards, and joins restricted to the site.
    let token = app
        .invite(&owner, &email, "ENGINEER", Some(&[site.as_str()]))
        .await;
    let joined = app.sign_up_invited(&email, &token).await;
    assert_ok(&joined);
    let body = app
        .gql(
            Some(&owner.token),
            "{ members { nodes { user { email } sites { id } } } }",
            json!({}),
        )
        .await;
    let row = body["data"]["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["user"]["email"] == email.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{email} did not join: {body}"));
    assert_eq!(row["sites"], json!([{ "id": site }]));
    let login = app.login(&email, PASSWORD, None).await;
    assert_ok(&login);
}

#[tokio::test]
async fn a_refused_mutation_names_the_resource_it_was_aimed_at() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let viewer = app.member(&owner, "VIEWER").await;
    let site = str_of(
        &create_site(&app, &owner.token, "plant-1").await["data"]["createSite"]["site"]["id"],
    );

    let body = app
        .gql(
            Some(&viewer.token),
            "mutation($input: SiteIdInput!) { deleteSite(input: $input) { deletedId } }",
            json!({ "input": { "id": site } }),
        )
        .await;
    assert_code(&body, "FORBIDDEN");

    let logs = audit_logs(
        &app,
        &owner.token,
        json!({ "resourceId": site, "success": false }),
    )
    .await;
    assert_eq!(logs["totalCount"], 1, "{logs}");
    let row = &logs["nodes"][0];
    assert_eq!(row["action"], "deleteSite");
    assert_eq!(row["resourceType"], "site");
    assert_eq!(row["errorCode"], "FORBIDDEN");
    assert_eq!(row["actorUser"]["id"], viewer.user_id.as_str());
}
