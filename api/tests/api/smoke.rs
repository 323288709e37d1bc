//! The newcomer's path from the issue: sign up, log in, create a site and a robot, list them.

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, slug, str_of};

#[tokio::test]
async fn a_newcomer_signs_up_logs_in_creates_a_site_and_a_robot_and_lists_them() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("acme")).await;

    let login = app.login(&owner.email, PASSWORD, None).await;
    let token = str_of(&login["data"]["login"]["accessToken"]);
    assert_eq!(login["data"]["login"]["role"], "OWNER");

    let site = app.create_site(&token, "plant-1").await;
    let zone = app.create_zone(&token, &site, "cell-a").await;
    app.create_robot(&token, &site, Some(&zone), "r-01").await;

    let body = app
        .gql(
            Some(&token),
            "{ sites { totalCount edges { node { code name zones { code } } } }
               robots { totalCount edges { node { code vendor site { code } zone { code } } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["sites"]["totalCount"], 1);
    assert_eq!(body["data"]["sites"]["edges"][0]["node"]["code"], "PLANT-1");
    assert_eq!(
        body["data"]["sites"]["edges"][0]["node"]["zones"][0]["code"],
        "CELL-A"
    );
    let robot = &body["data"]["robots"]["edges"][0]["node"];
    assert_eq!(robot["code"], "R-01");
    assert_eq!(robot["site"]["code"], "PLANT-1");
    assert_eq!(robot["zone"]["code"], "CELL-A");
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}
