//! Issue 8, items 10 and 11: who reads staff members' contact details, and text that carries
//! control or bidi override characters.

use serde_json::json;

use crate::estate::Estate;

const STAFF_RECORDS: &str =
    "{ staffRecords(first: 100) { edges { node { displayName post user { id email phone } } } } }";

#[tokio::test]
async fn only_administrators_and_the_staff_member_read_a_staff_members_account() {
    let estate = Estate::new().await;
    let staff = crate::estate::user_by_email(&estate.app, "staff2@demo.test").await;
    for role in ["admin", "supervisor", "staff"] {
        let json = estate.run(role, STAFF_RECORDS, json!({})).await;
        assert!(json["errors"].is_null(), "{role}: {json}");
        let edges = json["data"]["staffRecords"]["edges"].as_array().unwrap();
        assert!(!edges.is_empty(), "{role}: {json}");
        for edge in edges {
            let node = &edge["node"];
            // Names and posts for everyone who sees the record.
            assert!(node["displayName"].is_string(), "{role}: {node}");
            assert!(node["post"].is_string(), "{role}: {node}");
            let own = node["user"]["id"] == json!(staff.id.to_string());
            match role {
                "admin" => assert!(node["user"]["email"].is_string(), "{node}"),
                "staff" => assert!(own, "staff see their own record only: {node}"),
                // A supervisor reads names and posts, not contact details.
                _ => assert!(node["user"].is_null(), "{role} reads {node}"),
            }
        }
    }
    for role in ["resident", "merchant"] {
        let json = estate.run(role, STAFF_RECORDS, json!({})).await;
        assert_eq!(
            json["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{role}: {json}"
        );
    }
    let json = estate.run("anonymous", STAFF_RECORDS, json!({})).await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{json}"
    );
}

#[tokio::test]
async fn names_with_control_or_bidi_characters_are_bad_input_on_the_field() {
    let estate = Estate::new().await;
    let update = "mutation($i: UpdateMyProfileInput!) { updateMyProfile(input: $i) { user { displayName } } }";
    for bad in [
        "Mei\u{0}",
        "Mei\nLi",
        "Mei\u{202E}gnp.exe",
        "Mei\u{2066}x",
        "\u{1b}[31mMei",
    ] {
        let json = estate
            .run("resident", update, json!({ "i": { "displayName": bad } }))
            .await;
        let error = &json["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{bad:?}: {json}"
        );
        assert_eq!(
            error["extensions"]["field"], "input.displayName",
            "{bad:?}: {json}"
        );
    }
    // A household member's care needs (a long text) keep line breaks and tabs.
    let units = estate
        .run("resident", "{ viewer { units { id } } }", json!({}))
        .await;
    let unit = units["data"]["viewer"]["units"][0]["id"].clone();
    let add = "mutation($u: ID!, $c: String!) { addHouseholdMember(input: { unitId: $u, kind: ELDER, name: \"Grandma\", careNeeds: $c, consent: true }) { householdMember { id } } }";
    let json = estate
        .run(
            "resident",
            add,
            json!({ "u": unit, "c": "Insulin at 8:00\n\tand 20:00" }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let json = estate
        .run("resident", add, json!({ "u": unit, "c": "nothing\u{0}" }))
        .await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{json}"
    );
}
