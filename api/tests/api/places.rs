//! Sites and zones: creating, validating, updating, archiving, deleting, and the zone tree.

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_bad_input, assert_code, assert_ok, slug, str_of};

const SITE_FIELDS: &str = "id code name timezone address latitude longitude archivedAt";

async fn owner(app: &TestApp) -> Session {
    app.sign_up(&slug("places")).await
}

async fn create_site(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateSiteInput!) {{ createSite(input: $input) {{ site {{ {SITE_FIELDS} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn update_site(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: UpdateSiteInput!) {{ updateSite(input: $input) {{ site {{ {SITE_FIELDS} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn site_mutation(app: &TestApp, token: &str, name: &str, id: &str) -> Value {
    let selection = if name == "deleteSite" {
        "deletedId"
    } else {
        "site { id archivedAt }"
    };
    app.gql(
        Some(token),
        &format!("mutation($id: ID!) {{ {name}(input: {{ id: $id }}) {{ {selection} }} }}"),
        json!({ "id": id }),
    )
    .await
}

async fn get_site(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        &format!("query($id: ID!) {{ site(id: $id) {{ {SITE_FIELDS} zones {{ code }} }} }}"),
        json!({ "id": id }),
    )
    .await
}

/// Codes of the sites listed by `sites(filter: ...)`, in order.
async fn site_codes(app: &TestApp, token: &str, filter: Value, order: Value) -> Vec<String> {
    let body = app
        .gql(
            Some(token),
            "query($filter: SiteFilter, $order: SiteOrder) {
                sites(filter: $filter, orderBy: $order) { totalCount edges { node { code } } } }",
            json!({ "filter": filter, "order": order }),
        )
        .await;
    assert_ok(&body);
    let codes: Vec<String> = body["data"]["sites"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(&e["node"]["code"]))
        .collect();
    assert_eq!(
        body["data"]["sites"]["totalCount"],
        codes.len(),
        "totalCount matches the listed sites: {body}"
    );
    codes
}

async fn create_zone(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        "mutation($input: CreateZoneInput!) { createZone(input: $input) {
            zone { id code name description site { id code } } } }",
        json!({ "input": input }),
    )
    .await
}

#[tokio::test]
async fn a_site_is_created_with_its_code_upper_cased_and_reads_back_the_same() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let body = create_site(
        &app,
        &owner.token,
        json!({ "code": " plant-1_b ", "name": "  Plant One  ", "timezone": "Europe/Berlin",
                "address": "Werkstr. 1, Augsburg", "latitude": 48.37, "longitude": 10.89 }),
    )
    .await;
    assert_ok(&body);
    let site = &body["data"]["createSite"]["site"];
    assert_eq!(site["code"], "PLANT-1_B");
    assert_eq!(site["name"], "Plant One");
    assert_eq!(site["timezone"], "Europe/Berlin");
    assert_eq!(site["address"], "Werkstr. 1, Augsburg");
    assert_eq!(site["latitude"], 48.37);
    assert_eq!(site["longitude"], 10.89);
    assert!(site["archivedAt"].is_null());

    let read = get_site(&app, &owner.token, &str_of(&site["id"])).await;
    assert_ok(&read);
    let read = &read["data"]["site"];
    for field in [
        "id",
        "code",
        "name",
        "timezone",
        "address",
        "latitude",
        "longitude",
    ] {
        assert_eq!(read[field], site[field], "{field} reads back");
    }
    assert_eq!(read["zones"], json!([]));
}

#[tokio::test]
async fn a_site_without_a_timezone_is_in_utc() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let body = create_site(&app, &owner.token, json!({ "code": "s1", "name": "S1" })).await;
    assert_ok(&body);
    assert_eq!(body["data"]["createSite"]["site"]["timezone"], "UTC");
    assert!(body["data"]["createSite"]["site"]["address"].is_null());
}

#[tokio::test]
async fn a_site_in_an_unknown_timezone_is_refused_naming_input_timezone() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let body = create_site(
        &app,
        &owner.token,
        json!({ "code": "olympus", "name": "Olympus", "timezone": "Mars/Olympus" }),
    )
    .await;
    assert_bad_input(&body, "input.timezone");
    assert!(body["data"].is_null() || body["data"]["createSite"].is_null());
    assert!(
        site_codes(&app, &owner.token, json!(null), json!(null))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn invalid_site_input_is_refused_naming_the_field_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let cases = [
        (json!({ "code": "s1", "name": "" }), "input.name"),
        (json!({ "code": "s1", "name": "   " }), "input.name"),
        (
            json!({ "code": "s1", "name": "n".repeat(101) }),
            "input.name",
        ),
        (json!({ "code": "", "name": "Site" }), "input.code"),
        (
            json!({ "code": "c".repeat(33), "name": "Site" }),
            "input.code",
        ),
        (json!({ "code": "bad code", "name": "Site" }), "input.code"),
        (json!({ "code": "bad/code", "name": "Site" }), "input.code"),
        (
            json!({ "code": "s1", "name": "Site", "latitude": 91.0 }),
            "input.latitude",
        ),
        (
            json!({ "code": "s1", "name": "Site", "latitude": -90.5 }),
            "input.latitude",
        ),
        (
            json!({ "code": "s1", "name": "Site", "longitude": 180.5 }),
            "input.longitude",
        ),
        (
            json!({ "code": "s1", "name": "Site", "address": "a".repeat(256) }),
            "input.address",
        ),
    ];
    for (input, field) in cases {
        let body = create_site(&app, &owner.token, input.clone()).await;
        assert_bad_input(&body, field);
    }
    // The longest accepted values are accepted.
    let body = create_site(
        &app,
        &owner.token,
        json!({ "code": "c".repeat(32), "name": "n".repeat(100), "latitude": 90.0, "longitude": -180.0 }),
    )
    .await;
    assert_ok(&body);
    assert_eq!(
        site_codes(&app, &owner.token, json!(null), json!(null)).await,
        vec!["C".repeat(32)]
    );
}

#[tokio::test]
async fn a_duplicate_site_code_is_a_conflict_whatever_its_case() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    app.create_site(&owner.token, "plant-1").await;
    let body = create_site(
        &app,
        &owner.token,
        json!({ "code": "PLANT-1", "name": "Again" }),
    )
    .await;
    assert_code(&body, "CONFLICT");
    assert_eq!(
        site_codes(&app, &owner.token, json!(null), json!(null)).await,
        vec!["PLANT-1"]
    );
}

#[tokio::test]
async fn update_site_changes_only_the_given_fields_and_null_clears_the_address() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let created = create_site(
        &app,
        &owner.token,
        json!({ "code": "p1", "name": "Plant", "timezone": "Europe/Berlin",
                "address": "Somewhere 1", "latitude": 10.0, "longitude": 20.0 }),
    )
    .await;
    let id = str_of(&created["data"]["createSite"]["site"]["id"]);

    let body = update_site(
        &app,
        &owner.token,
        json!({ "id": id, "name": "Plant renamed" }),
    )
    .await;
    assert_ok(&body);
    let site = &body["data"]["updateSite"]["site"];
    assert_eq!(site["name"], "Plant renamed");
    assert_eq!(site["code"], "P1");
    assert_eq!(site["timezone"], "Europe/Berlin");
    assert_eq!(site["address"], "Somewhere 1");
    assert_eq!(site["latitude"], 10.0);

    let body = update_site(
        &app,
        &owner.token,
        json!({ "id": id, "address": null, "latitude": null, "timezone": "America/Chicago", "code": "p-one" }),
    )
    .await;
    assert_ok(&body);
    let read = get_site(&app, &owner.token, &id).await;
    let site = &read["data"]["site"];
    assert!(site["address"].is_null(), "{read}");
    assert!(site["latitude"].is_null(), "{read}");
    assert_eq!(site["longitude"], 20.0);
    assert_eq!(site["timezone"], "America/Chicago");
    assert_eq!(site["code"], "P-ONE");
    assert_eq!(site["name"], "Plant renamed");

    // Invalid updates name their field and change nothing.
    let body = update_site(
        &app,
        &owner.token,
        json!({ "id": id, "timezone": "Mars/Olympus" }),
    )
    .await;
    assert_bad_input(&body, "input.timezone");
    let body = update_site(&app, &owner.token, json!({ "id": id, "name": "" })).await;
    assert_bad_input(&body, "input.name");
    let body = update_site(&app, &owner.token, json!({ "id": id, "longitude": 200.0 })).await;
    assert_bad_input(&body, "input.longitude");
    let read = get_site(&app, &owner.token, &id).await;
    assert_eq!(read["data"]["site"]["timezone"], "America/Chicago");
    assert_eq!(read["data"]["site"]["longitude"], 20.0);
}

#[tokio::test]
async fn changing_a_site_code_to_one_in_use_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    app.create_site(&owner.token, "p1").await;
    let p2 = app.create_site(&owner.token, "p2").await;
    let body = update_site(&app, &owner.token, json!({ "id": p2, "code": "P1" })).await;
    assert_code(&body, "CONFLICT");
    let read = get_site(&app, &owner.token, &p2).await;
    assert_eq!(read["data"]["site"]["code"], "P2");
    // Keeping one's own code is no conflict.
    let body = update_site(&app, &owner.token, json!({ "id": p2, "code": "p2" })).await;
    assert_ok(&body);
}

#[tokio::test]
async fn site_by_code_is_case_insensitive_and_an_unknown_code_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let id = app.create_site(&owner.token, "Plant-7").await;
    for code in ["PLANT-7", "plant-7", "Plant-7"] {
        let body = app
            .gql(
                Some(&owner.token),
                "query($code: String!) { siteByCode(code: $code) { id code } }",
                json!({ "code": code }),
            )
            .await;
        assert_ok(&body);
        assert_eq!(body["data"]["siteByCode"]["id"], id.as_str());
    }
    let body = app
        .gql(
            Some(&owner.token),
            "{ siteByCode(code: \"nope\") { id } }",
            json!({}),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
}

#[tokio::test]
async fn an_unknown_or_malformed_site_id_is_refused() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let body = get_site(&app, &owner.token, &uuid::Uuid::now_v7().to_string()).await;
    assert_code(&body, "NOT_FOUND");
    let body = get_site(&app, &owner.token, "not-a-uuid").await;
    assert_code(&body, "BAD_USER_INPUT");
}

#[tokio::test]
async fn an_archived_site_is_hidden_from_sites_unless_asked_for_and_can_be_restored() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let a = app.create_site(&owner.token, "a").await;
    app.create_site(&owner.token, "b").await;

    let body = site_mutation(&app, &owner.token, "archiveSite", &a).await;
    assert_ok(&body);
    assert!(body["data"]["archiveSite"]["site"]["archivedAt"].is_string());

    assert_eq!(
        site_codes(&app, &owner.token, json!(null), json!(null)).await,
        vec!["B"]
    );
    assert_eq!(
        site_codes(
            &app,
            &owner.token,
            json!({ "includeArchived": true }),
            json!(null)
        )
        .await,
        vec!["A", "B"]
    );
    // Still readable by id, marked archived.
    let read = get_site(&app, &owner.token, &a).await;
    assert!(read["data"]["site"]["archivedAt"].is_string(), "{read}");
    // No new zones on an archived site.
    let body = create_zone(
        &app,
        &owner.token,
        json!({ "siteId": a, "code": "z", "name": "Z" }),
    )
    .await;
    assert_code(&body, "CONFLICT");

    let body = site_mutation(&app, &owner.token, "restoreSite", &a).await;
    assert_ok(&body);
    assert!(body["data"]["restoreSite"]["site"]["archivedAt"].is_null());
    assert_eq!(
        site_codes(&app, &owner.token, json!(null), json!(null)).await,
        vec!["A", "B"]
    );
}

#[tokio::test]
async fn a_site_with_active_assets_cannot_be_archived_until_they_are_archived() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "busy").await;
    let robot = app.create_robot(&owner.token, &site, None, "r1").await;

    let body = site_mutation(&app, &owner.token, "archiveSite", &site).await;
    assert_code(&body, "CONFLICT");
    let message = str_of(&body["errors"][0]["message"]);
    assert!(message.contains("asset"), "{message}");
    let read = get_site(&app, &owner.token, &site).await;
    assert!(read["data"]["site"]["archivedAt"].is_null());

    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { archiveAsset(input: { id: $id }) { asset { id } } }",
            json!({ "id": robot }),
        )
        .await;
    assert_ok(&body);
    let body = site_mutation(&app, &owner.token, "archiveSite", &site).await;
    assert_ok(&body);
}

#[tokio::test]
async fn a_site_with_zones_or_assets_cannot_be_deleted_and_an_empty_one_can() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "full").await;
    let zone = app.create_zone(&owner.token, &site, "z1").await;

    let body = site_mutation(&app, &owner.token, "deleteSite", &site).await;
    assert_code(&body, "CONFLICT");
    let message = str_of(&body["errors"][0]["message"]);
    assert!(
        message.contains("zone"),
        "the message names the zones: {message}"
    );

    let other = app.create_site(&owner.token, "other").await;
    let robot = app.create_robot(&owner.token, &other, None, "r1").await;
    let body = site_mutation(&app, &owner.token, "deleteSite", &other).await;
    assert_code(&body, "CONFLICT");
    let message = str_of(&body["errors"][0]["message"]);
    assert!(
        message.contains("asset"),
        "the message names the assets: {message}"
    );

    // Both sites are still there.
    assert_eq!(
        site_codes(&app, &owner.token, json!(null), json!(null)).await,
        vec!["FULL", "OTHER"]
    );

    // Emptied, they delete.
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($z: ID!, $r: ID!) { deleteZone(input: { id: $z }) { deletedId }
                                          deleteAsset(input: { id: $r }) { deletedId } }",
            json!({ "z": zone, "r": robot }),
        )
        .await;
    assert_ok(&body);
    for id in [&site, &other] {
        let body = site_mutation(&app, &owner.token, "deleteSite", id).await;
        assert_ok(&body);
        assert_eq!(body["data"]["deleteSite"]["deletedId"], id.as_str());
        let read = get_site(&app, &owner.token, id).await;
        assert_code(&read, "NOT_FOUND");
    }
    assert!(
        site_codes(
            &app,
            &owner.token,
            json!({ "includeArchived": true }),
            json!(null)
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn sites_are_searched_and_ordered() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    for (code, name) in [("b-2", "Augsburg"), ("a-1", "Berlin"), ("c-3", "Chemnitz")] {
        let body = create_site(&app, &owner.token, json!({ "code": code, "name": name })).await;
        assert_ok(&body);
    }
    let by_name = site_codes(&app, &owner.token, json!(null), json!(null)).await;
    assert_eq!(by_name, vec!["B-2", "A-1", "C-3"]);
    let by_code = site_codes(&app, &owner.token, json!(null), json!({ "field": "CODE" })).await;
    assert_eq!(by_code, vec!["A-1", "B-2", "C-3"]);
    let by_code_desc = site_codes(
        &app,
        &owner.token,
        json!(null),
        json!({ "field": "CODE", "direction": "DESC" }),
    )
    .await;
    assert_eq!(by_code_desc, vec!["C-3", "B-2", "A-1"]);
    let newest_first = site_codes(
        &app,
        &owner.token,
        json!(null),
        json!({ "field": "CREATED_AT", "direction": "DESC" }),
    )
    .await;
    assert_eq!(newest_first, vec!["C-3", "A-1", "B-2"]);
    let searched = site_codes(&app, &owner.token, json!({ "search": "BERL" }), json!(null)).await;
    assert_eq!(searched, vec!["A-1"]);
    let searched = site_codes(&app, &owner.token, json!({ "search": "c-" }), json!(null)).await;
    assert_eq!(searched, vec!["C-3"]);
}

#[tokio::test]
async fn zone_codes_are_unique_within_a_site_but_not_across_sites() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let s1 = app.create_site(&owner.token, "s1").await;
    let s2 = app.create_site(&owner.token, "s2").await;

    let body = create_zone(
        &app,
        &owner.token,
        json!({ "siteId": s1, "code": "cell-a", "name": " Cell A ", "description": "welding" }),
    )
    .await;
    assert_ok(&body);
    let zone = &body["data"]["createZone"]["zone"];
    assert_eq!(zone["code"], "CELL-A");
    assert_eq!(zone["name"], "Cell A");
    assert_eq!(zone["description"], "welding");
    assert_eq!(zone["site"]["id"], s1.as_str());

    let body = create_zone(
        &app,
        &owner.token,
        json!({ "siteId": s1, "code": "CELL-a", "name": "Again" }),
    )
    .await;
    assert_code(&body, "CONFLICT");

    let body = create_zone(
        &app,
        &owner.token,
        json!({ "siteId": s2, "code": "cell-a", "name": "Other" }),
    )
    .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["createZone"]["zone"]["site"]["id"],
        s2.as_str()
    );

    for site in [&s1, &s2] {
        let body = app
            .gql(
                Some(&owner.token),
                "query($s: ID!) { zones(siteId: $s) { code } }",
                json!({ "s": site }),
            )
            .await;
        assert_eq!(
            body["data"]["zones"],
            json!([{ "code": "CELL-A" }]),
            "{body}"
        );
    }
}

#[tokio::test]
async fn invalid_zone_input_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "s1").await;
    let cases = [
        (
            json!({ "siteId": site, "code": "", "name": "Z" }),
            "input.code",
        ),
        (
            json!({ "siteId": site, "code": "a b", "name": "Z" }),
            "input.code",
        ),
        (
            json!({ "siteId": site, "code": "z".repeat(33), "name": "Z" }),
            "input.code",
        ),
        (
            json!({ "siteId": site, "code": "z", "name": "" }),
            "input.name",
        ),
        (
            json!({ "siteId": site, "code": "z", "name": "n".repeat(101) }),
            "input.name",
        ),
        (
            json!({ "siteId": site, "code": "z", "name": "Z", "description": "d".repeat(501) }),
            "input.description",
        ),
        (
            json!({ "siteId": "nope", "code": "z", "name": "Z" }),
            "input.siteId",
        ),
    ];
    for (input, field) in cases {
        let body = create_zone(&app, &owner.token, input).await;
        assert_bad_input(&body, field);
    }
    let body = create_zone(
        &app,
        &owner.token,
        json!({ "siteId": uuid::Uuid::now_v7().to_string(), "code": "z", "name": "Z" }),
    )
    .await;
    assert_code(&body, "NOT_FOUND");
    let read = get_site(&app, &owner.token, &site).await;
    assert_eq!(read["data"]["site"]["zones"], json!([]));
}

#[tokio::test]
async fn a_zone_is_updated_partially_and_its_code_stays_unique_in_the_site() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "s1").await;
    let z1 = app.create_zone(&owner.token, &site, "z1").await;
    app.create_zone(&owner.token, &site, "z2").await;
    let update = |input: Value| {
        let app = &app;
        let token = owner.token.clone();
        async move {
            app.gql(
                Some(&token),
                "mutation($input: UpdateZoneInput!) { updateZone(input: $input) {
                    zone { id code name description } } }",
                json!({ "input": input }),
            )
            .await
        }
    };

    let body = update(json!({ "id": z1, "description": "paint shop" })).await;
    assert_ok(&body);
    let zone = &body["data"]["updateZone"]["zone"];
    assert_eq!(zone["code"], "Z1");
    assert_eq!(zone["name"], "Zone z1");
    assert_eq!(zone["description"], "paint shop");

    let body = update(json!({ "id": z1, "name": "Paint", "code": "paint" })).await;
    assert_ok(&body);
    assert_eq!(body["data"]["updateZone"]["zone"]["code"], "PAINT");
    assert_eq!(
        body["data"]["updateZone"]["zone"]["description"],
        "paint shop"
    );

    let body = update(json!({ "id": z1, "description": null })).await;
    assert_ok(&body);
    assert!(body["data"]["updateZone"]["zone"]["description"].is_null());

    let body = update(json!({ "id": z1, "code": "z2" })).await;
    assert_code(&body, "CONFLICT");
    let body = update(json!({ "id": z1, "name": "" })).await;
    assert_bad_input(&body, "input.name");

    let read = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { zone(id: $id) { code name site { code } } }",
            json!({ "id": z1 }),
        )
        .await;
    assert_eq!(
        read["data"]["zone"],
        json!({ "code": "PAINT", "name": "Paint", "site": { "code": "S1" } })
    );
}

#[tokio::test]
async fn a_zone_with_assets_cannot_be_deleted_and_an_empty_one_can() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "s1").await;
    let zone = app.create_zone(&owner.token, &site, "z1").await;
    let robot = app
        .create_robot(&owner.token, &site, Some(&zone), "r1")
        .await;
    let delete = |id: String| {
        let app = &app;
        let token = owner.token.clone();
        async move {
            app.gql(
                Some(&token),
                "mutation($id: ID!) { deleteZone(input: { id: $id }) { deletedId } }",
                json!({ "id": id }),
            )
            .await
        }
    };

    let body = delete(zone.clone()).await;
    assert_code(&body, "CONFLICT");
    assert!(
        str_of(&body["errors"][0]["message"]).contains("asset"),
        "{body}"
    );

    // Moving the robot out of the zone frees it.
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { updateRobot(input: { id: $id, zoneId: null }) { robot { zone { id } } } }",
            json!({ "id": robot }),
        )
        .await;
    assert_ok(&body);
    let body = delete(zone.clone()).await;
    assert_ok(&body);
    assert_eq!(body["data"]["deleteZone"]["deletedId"], zone.as_str());
    let read = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { zone(id: $id) { id } }",
            json!({ "id": zone }),
        )
        .await;
    assert_code(&read, "NOT_FOUND");
}

#[tokio::test]
async fn zones_are_listed_by_code_on_the_site_and_by_site_id() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "s1").await;
    for code in ["m", "b", "z", "a"] {
        app.create_zone(&owner.token, &site, code).await;
    }
    let body = app
        .gql(
            Some(&owner.token),
            "query($s: ID!) { zones(siteId: $s) { code site { code } }
                              site(id: $s) { zones { code } } }",
            json!({ "s": site }),
        )
        .await;
    assert_ok(&body);
    let codes = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|z| str_of(&z["code"]))
            .collect()
    };
    assert_eq!(codes(&body["data"]["zones"]), vec!["A", "B", "M", "Z"]);
    assert_eq!(
        codes(&body["data"]["site"]["zones"]),
        vec!["A", "B", "M", "Z"]
    );
    assert_eq!(body["data"]["zones"][0]["site"]["code"], "S1");

    let unknown = app
        .gql(
            Some(&owner.token),
            "query($s: ID!) { zones(siteId: $s) { code } }",
            json!({ "s": uuid::Uuid::now_v7().to_string() }),
        )
        .await;
    assert_code(&unknown, "NOT_FOUND");
}

#[tokio::test]
async fn a_zone_lists_its_active_assets_by_code() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "s1").await;
    let zone = app.create_zone(&owner.token, &site, "z1").await;
    let other = app.create_zone(&owner.token, &site, "z2").await;
    app.create_robot(&owner.token, &site, Some(&zone), "r-2")
        .await;
    let archived = app
        .create_robot(&owner.token, &site, Some(&zone), "r-3")
        .await;
    app.create_robot(&owner.token, &site, Some(&other), "r-9")
        .await;
    app.create_robot(&owner.token, &site, None, "r-0").await;
    let machine = app.create_machine(&owner.token, &site, "m-1").await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($m: ID!, $z: ID!, $a: ID!) {
                updateMachine(input: { id: $m, zoneId: $z }) { machine { id } }
                archiveAsset(input: { id: $a }) { asset { id } } }",
            json!({ "m": machine, "z": zone, "a": archived }),
        )
        .await;
    assert_ok(&body);

    let body = app
        .gql(
            Some(&owner.token),
            "query($z: ID!) { zone(id: $z) { assets { __typename code
                ... on Robot { vendor } ... on Machine { requiresBadge } } } }",
            json!({ "z": zone }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["zone"]["assets"],
        json!([
            { "__typename": "Machine", "code": "M-1", "requiresBadge": true },
            { "__typename": "Robot", "code": "R-2", "vendor": "KUKA" },
        ])
    );
}
