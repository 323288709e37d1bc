//! Query limits: depth, complexity, page size, introspection, and input coercion.

use serde_json::{Value, json};

use crate::helpers::{
    Session, TestApp, assert_bad_input, assert_code, assert_ok, error_field, slug,
};

/// `sites(first: 1) { edges { node { zones { site { zones { ... id } } } } } }`, `levels`
/// zone/site pairs deep (one site, so that the depth, not the cost, is what a test meets).
fn nested_query(levels: usize) -> String {
    let mut inner = "id".to_owned();
    for _ in 0..levels {
        inner = format!("zones {{ site {{ {inner} }} }}");
    }
    format!("{{ sites(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}")
}

async fn owner(app: &TestApp) -> Session {
    app.sign_up(&slug("limits")).await
}

fn has_data(body: &Value) -> bool {
    body.get("data").is_some_and(|d| !d.is_null())
}

#[tokio::test]
async fn a_query_nested_too_deep_is_refused() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    // 3 + 2 * 3 + 1 = 10 levels: within the default limit of 12.
    let fine = app
        .gql(Some(&owner.token), &nested_query(3), json!({}))
        .await;
    assert_ok(&fine);
    // What authenticating alone costs.
    let before = app.sql_statements();
    assert_ok(
        &app.gql(Some(&owner.token), "{ __typename }", json!({}))
            .await,
    );
    let auth_only = app.sql_statements() - before;
    // 3 + 2 * 8 + 1 = 20 levels.
    let before = app.sql_statements();
    let deep = app
        .gql(Some(&owner.token), &nested_query(8), json!({}))
        .await;
    assert_code(&deep, "BAD_USER_INPUT");
    assert!(!has_data(&deep), "a refused query runs nothing: {deep}");
    assert_eq!(
        app.sql_statements() - before,
        auth_only,
        "only authentication touched the database"
    );
}

#[tokio::test]
async fn the_depth_limit_is_configurable() {
    let app = TestApp::spawn_with(|c| c.max_depth = 4).await;
    let owner = owner(&app).await;
    assert_ok(
        &app.gql(
            Some(&owner.token),
            "{ me { organization { id } } }",
            json!({}),
        )
        .await,
    );
    let body = app
        .gql(Some(&owner.token), &nested_query(1), json!({}))
        .await;
    assert_code(&body, "BAD_USER_INPUT");
}

#[tokio::test]
async fn an_overly_complex_query_is_refused() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let page = "robots(first: 200) { edges { node { id code name site { id code zones { id code name } } } } }";
    // One such page is within the default limit.
    let one = app
        .gql(Some(&owner.token), &format!("{{ a: {page} }}"), json!({}))
        .await;
    assert_ok(&one);
    // Nine of them under aliases (about 2,600 each against the default 20,000) are not.
    let aliased: String = ('a'..='i')
        .map(|alias| format!("{alias}: {page} "))
        .collect();
    let nine = app
        .gql(Some(&owner.token), &format!("{{ {aliased} }}"), json!({}))
        .await;
    assert_code(&nine, "COMPLEXITY_LIMIT_EXCEEDED");
    assert!(!has_data(&nine), "{nine}");
}

#[tokio::test]
async fn the_complexity_limit_is_configurable_and_counts_page_sizes() {
    let app = TestApp::spawn_with(|c| c.max_complexity = 50).await;
    let owner = owner(&app).await;
    assert_ok(
        &app.gql(Some(&owner.token), "{ me { role } }", json!({}))
            .await,
    );
    assert_ok(
        &app.gql(
            Some(&owner.token),
            "{ robots(first: 5) { edges { node { id } } } }",
            json!({}),
        )
        .await,
    );
    let body = app
        .gql(
            Some(&owner.token),
            "{ robots(first: 50) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "COMPLEXITY_LIMIT_EXCEEDED");
    // A page size in a variable counts as well.
    let body = app
        .gql(
            Some(&owner.token),
            "query($n: Int) { robots(first: $n) { edges { node { id } } } }",
            json!({ "n": 50 }),
        )
        .await;
    assert_code(&body, "COMPLEXITY_LIMIT_EXCEEDED");
}

#[tokio::test]
async fn page_sizes_are_capped_at_200() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    for list in [
        "robots", "sites", "members", "apiKeys", "assets", "machines",
    ] {
        let body = app
            .gql(
                Some(&owner.token),
                &format!("{{ {list}(first: 201) {{ edges {{ cursor }} }} }}"),
                json!({}),
            )
            .await;
        assert_bad_input(&body, "first");
        let body = app
            .gql(
                Some(&owner.token),
                &format!("{{ {list}(first: -1) {{ edges {{ cursor }} }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(
            error_field(&body).as_deref(),
            Some("first"),
            "{list}: {body}"
        );
        let body = app
            .gql(
                Some(&owner.token),
                &format!("{{ {list}(first: 200) {{ edges {{ cursor }} }} }}"),
                json!({}),
            )
            .await;
        assert_ok(&body);
    }
}

#[tokio::test]
async fn introspection_works_by_default() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            None,
            "{ __schema { queryType { name } mutationType { name } } __type(name: \"Robot\") { kind } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    assert_eq!(body["data"]["__schema"]["mutationType"]["name"], "Mutation");
    assert_eq!(body["data"]["__type"]["kind"], "OBJECT");
}

#[tokio::test]
async fn turned_off_introspection_reveals_nothing() {
    let app = TestApp::spawn_with(|c| c.disable_introspection = true).await;
    let owner = owner(&app).await;
    for query in [
        "{ __schema { queryType { name } types { name } } }",
        "{ __type(name: \"Robot\") { kind fields { name } } }",
    ] {
        let body = app.gql(Some(&owner.token), query, json!({})).await;
        assert!(body["data"]["__schema"].is_null(), "{body}");
        assert!(body["data"]["__type"].is_null(), "{body}");
        assert!(!body.to_string().contains("Robot"), "{body}");
    }
    // Ordinary queries still work, `__typename` included.
    let body = app
        .gql(Some(&owner.token), "{ __typename me { role } }", json!({}))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["me"]["role"], "OWNER");
}

#[tokio::test]
async fn turned_off_introspection_is_refused_with_an_error() {
    let app = TestApp::spawn_with(|c| c.disable_introspection = true).await;
    let owner = owner(&app).await;
    for query in [
        "{ __schema { queryType { name } } }",
        "{ __type(name: \"Robot\") { kind } }",
    ] {
        let body = app.gql(Some(&owner.token), query, json!({})).await;
        assert_code(&body, "BAD_USER_INPUT");
    }
}

#[tokio::test]
async fn an_unknown_enum_value_in_variables_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }",
            json!({ "input": { "email": "king@example.com", "role": "KING" } }),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(!has_data(&body), "{body}");
    // Nor is a lower-case spelling of a real value accepted.
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }",
            json!({ "input": { "email": "admin@example.com", "role": "admin" } }),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    let members = app
        .gql(Some(&owner.token), "{ members { totalCount } }", json!({}))
        .await;
    assert_eq!(members["data"]["members"]["totalCount"], 1);
}

#[tokio::test]
async fn wrongly_typed_variables_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let body = app
        .gql(
            Some(&owner.token),
            "query($n: Int) { robots(first: $n) { totalCount } }",
            json!({ "n": "ten" }),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { robot(id: $id) { id } }",
            json!({}),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { robot(id: $id) { id } }",
            json!({ "id": "not-a-uuid" }),
        )
        .await;
    assert_bad_input(&body, "id");
}

const DAY: &str = r#"from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z""#;

fn cost_of(body: &Value) -> u64 {
    body["errors"][0]["extensions"]["cost"]
        .as_u64()
        .unwrap_or_else(|| panic!("the cost is reported: {body}"))
}

#[tokio::test]
async fn fields_selected_through_an_interface_cost_as_much_as_on_the_object() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let history = "statusHistory(first: 200) { edges { node { status at } } }";
    let mut costs = Vec::new();
    for query in [
        format!("{{ robots(first: 200) {{ edges {{ node {{ {history} }} }} }} }}"),
        format!("{{ assets(first: 200) {{ edges {{ node {{ {history} }} }} }} }}"),
        format!(
            "{{ assets(first: 200) {{ edges {{ node {{ ... on Robot {{ {history} }} }} }} }} }}"
        ),
        format!(
            "{{ assets(first: 200) {{ edges {{ node {{ ...h }} }} }} }} fragment h on Asset {{ {history} }}"
        ),
    ] {
        let body = app.gql(Some(&owner.token), &query, json!({})).await;
        assert_code(&body, "COMPLEXITY_LIMIT_EXCEEDED");
        assert!(!has_data(&body), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["limit"], 20_000, "{body}");
        costs.push(cost_of(&body));
    }
    assert!(
        costs.iter().all(|c| *c > 20_000 && *c == costs[0]),
        "{costs:?}"
    );
}

#[tokio::test]
async fn telemetry_costs_its_points_and_lists_cost_their_length() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    // 200 assets x 2 series x 10,000 points.
    let series = |alias: &str| {
        format!(
            "{alias}: telemetry(metric: \"cpu\", {DAY}, maxPoints: 10000) {{ points {{ ts value }} }}"
        )
    };
    let body = app
        .gql(
            Some(&owner.token),
            &format!(
                "{{ assets(first: 200) {{ edges {{ node {{ {} {} }} }} }} }}",
                series("a"),
                series("b")
            ),
            json!({}),
        )
        .await;
    assert_code(&body, "COMPLEXITY_LIMIT_EXCEEDED");
    assert!(cost_of(&body) > 200 * 2 * 10_000, "{body}");
    // One chart's worth is fine.
    let site = app.create_site(&owner.token, "tp").await;
    let robot = app.create_robot(&owner.token, &site, None, "tp-r").await;
    let body = app
        .gql(
            Some(&owner.token),
            &format!("query($r: ID!) {{ robot(id: $r) {{ {} }} }}", series("a")),
            json!({ "r": robot }),
        )
        .await;
    assert_ok(&body);
    // `telemetrySeries` costs its page size once per series asked for.
    let many: Vec<Value> = (0..200)
        .map(|_| json!({ "assetId": robot, "metric": "cpu" }))
        .collect();
    let body = app
        .gql(
            Some(&owner.token),
            &format!(
                "query($s: [SeriesInput!]!) {{ telemetrySeries(series: $s, {DAY}, maxPoints: 100) {{ points {{ value }} }} }}"
            ),
            json!({ "s": many }),
        )
        .await;
    assert_code(&body, "COMPLEXITY_LIMIT_EXCEEDED");
    assert!(cost_of(&body) > 200 * 100, "{body}");
}

#[tokio::test]
async fn a_response_reports_its_cost_when_asked() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let query = "{ robots(first: 10) { edges { node { id code } } } }";
    let asked = app
        .post_graphql(
            Some(&owner.token),
            &json!({ "query": query, "extensions": { "cost": true } }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_ok(&asked);
    // The connection, then per robot an edge and its node.
    assert_eq!(asked["extensions"]["cost"], 21, "{asked}");
    let plain = app.gql(Some(&owner.token), query, json!({})).await;
    assert_ok(&plain);
    assert!(plain["extensions"]["cost"].is_null(), "{plain}");
}

#[tokio::test]
async fn without_introspection_validation_errors_suggest_no_field_names() {
    let open = TestApp::spawn().await;
    let closed = TestApp::spawn_with(|c| c.disable_introspection = true).await;
    for query in [
        "{ sitez { totalCount } }",
        "{ sites(firs: 1) { totalCount } }",
    ] {
        let someone = owner(&open).await;
        let body = open.gql(Some(&someone.token), query, json!({})).await;
        assert!(body.to_string().contains("Did you mean"), "{query}: {body}");
        let someone = owner(&closed).await;
        let body = closed.gql(Some(&someone.token), query, json!({})).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(
            !body.to_string().contains("Did you mean"),
            "{query}: {body}"
        );
    }
}
