//! Group channels on the demo estate: who reads what (every cell of the README's table, over
//! queries, `node`, history, the list, notifications and the live stream, including a move-out
//! over an open subscription), posting rules and bad input that writes nothing, replay with no
//! gap and no duplicate, unread counts, mentions and direct messages in the inbox, and
//! moderation.

use std::time::Duration as StdDuration;

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::TestApp,
};

const CREATE: &str = "mutation($input: CreateChannelInput!) { createChannel(input: $input) { channel { id kind unreadCount canPost moderator } } }";
const POST: &str = "mutation($input: PostChannelMessageInput!) { postChannelMessage(input: $input) { message { id number text sender { id displayName } mentions { displayName } } } }";
const SUB: &str = "subscription($id: ID!, $after: String) { channelMessages(channelId: $id, after: $after) { cursor change message { id number text hidden } } }";

async fn token_of(app: &TestApp, email: &str) -> String {
    let user = user_by_email(app, email).await;
    app.state
        .tokens
        .issue(
            &resident_hub::auth::AuthenticatedUser {
                id: user.id,
                roles: vec![],
            },
            app.state.clock.now(),
            crate::helpers::TEST_TOKEN_TTL,
        )
        .unwrap()
}

async fn gql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, Some(token)).await.1
}

fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

fn field(json: &Value) -> &str {
    json["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("")
}

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let json = gql(app, token, query, variables).await;
    assert!(json["errors"].is_null(), "{query}: {json}");
    json["data"].clone()
}

/// The people of the tests and the channels of Building A.
struct World {
    estate: Estate,
    admin: String,
    manager: String,
    /// staff1: serves both buildings.
    staff: String,
    /// An active staff member who does not serve Building A, if the demo has one.
    outside_staff: Option<String>,
    supervisor: String,
    merchant: String,
    /// resident1 (Building A).
    resident: String,
    resident_id: Uuid,
    /// A resident of resident1's floor.
    floor_mate: String,
    floor_mate_email: String,
    /// A resident of Building A on another floor.
    other_floor: String,
    /// resident25 (Building B).
    resident_b: String,
    building_a: Uuid,
    building: String,
    floor: String,
    interest: String,
    staff_channel: String,
    direct: String,
}

async fn home(app: &TestApp, email: &str) -> (Uuid, i32) {
    let unit = entity::unit::Entity::find_by_id(home_unit(app, email).await)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    (unit.building_id, unit.floor)
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(
    configure: impl FnOnce(&mut resident_hub::config::Config) + Send + 'static,
) -> World {
    let estate = Estate::with(configure).await;
    let app = &estate.app;
    let (building_a, floor) = home(app, "resident1@demo.test").await;
    let (mut floor_mate, mut other_floor) = (None, None);
    for n in 2..=24 {
        let email = format!("resident{n}@demo.test");
        let (b, f) = home(app, &email).await;
        if b != building_a {
            continue;
        }
        if f == floor && floor_mate.is_none() {
            floor_mate = Some(email);
        } else if f != floor && other_floor.is_none() {
            other_floor = Some(email);
        }
    }
    let floor_mate_email = floor_mate.expect("a neighbour on resident1's floor");
    let other_floor = other_floor.expect("a resident of another floor");
    // An active staff member who does not serve Building A.
    let serving_a: Vec<Uuid> = entity::staff_building::Entity::find()
        .filter(entity::staff_building::Column::BuildingId.eq(building_a))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.staff_id)
        .collect();
    let mut outside_staff = None;
    for record in entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::Status.eq("ACTIVE"))
        .all(&app.state.db)
        .await
        .unwrap()
    {
        if !serving_a.contains(&record.id) {
            let user = entity::user::Entity::find_by_id(record.user_id)
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap();
            outside_staff = Some(token_of(app, &user.email).await);
            break;
        }
    }
    let admin = token_of(app, "admin@demo.test").await;
    let resident = token_of(app, "resident1@demo.test").await;
    let a = building_a.to_string();
    let create = |input: Value| {
        let admin = admin.clone();
        async move {
            let data = ok(app, &admin, CREATE, json!({ "input": input })).await;
            data["createChannel"]["channel"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let building =
        create(json!({ "kind": "BUILDING", "name": "Lotus Court", "buildingId": a })).await;
    let floor_id =
        create(json!({ "kind": "FLOOR", "name": "Our floor", "buildingId": a, "floor": floor }))
            .await;
    let interest = create(json!({ "kind": "INTEREST", "name": "Parents", "buildingId": a })).await;
    let staff_channel =
        create(json!({ "kind": "STAFF", "name": "Lotus staff", "buildingId": a })).await;
    let direct = ok(
        app,
        &resident,
        "mutation { openDirectChannel(input: {}) { channel { id kind } } }",
        json!({}),
    )
    .await["openDirectChannel"]["channel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        admin,
        manager: token_of(app, "staff12@demo.test").await,
        staff: token_of(app, "staff1@demo.test").await,
        outside_staff,
        supervisor: token_of(app, "supervisor1@demo.test").await,
        merchant: token_of(app, "merchant1@demo.test").await,
        resident_id: user_by_email(app, "resident1@demo.test").await.id,
        resident,
        floor_mate: token_of(app, &floor_mate_email).await,
        floor_mate_email,
        other_floor: token_of(app, &other_floor).await,
        resident_b: token_of(app, "resident25@demo.test").await,
        building_a,
        building,
        floor: floor_id,
        interest,
        staff_channel,
        direct,
        estate,
    }
}

async fn post(app: &TestApp, token: &str, channel: &str, text: &str) -> Value {
    gql(
        app,
        token,
        POST,
        json!({ "input": { "channelId": channel, "text": text } }),
    )
    .await
}

async fn posted(app: &TestApp, token: &str, channel: &str, text: &str) -> String {
    let json = post(app, token, channel, text).await;
    assert!(json["errors"].is_null(), "{json}");
    json["data"]["postChannelMessage"]["message"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn message_count(app: &TestApp) -> u64 {
    entity::channel_message::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

/// Whether `token` reads `channel`, asked every way there is; every way must agree.
async fn reads(app: &TestApp, token: &str, channel: &str, message: &str) -> bool {
    let one = gql(
        app,
        token,
        "query($id: ID!) { channel(id: $id) { id } }",
        json!({ "id": channel }),
    )
    .await;
    let by_one = one["data"]["channel"]["id"] == channel;
    if !by_one {
        assert_eq!(code(&one), "NOT_FOUND", "{one}");
    }
    let node = ok(
        app,
        token,
        "query($id: ID!, $m: ID!) { node(id: $id) { id } message: node(id: $m) { id ... on ChannelMessage { text } } }",
        json!({ "id": channel, "m": message }),
    )
    .await;
    assert_eq!(node["node"]["id"] == channel, by_one, "node: {node}");
    assert_eq!(
        node["message"]["id"] == message,
        by_one,
        "node(message): {node}"
    );
    let history = gql(
        app,
        token,
        "query($id: ID!) { channelMessageHistory(channelId: $id, last: 10) { edges { node { id } } } }",
        json!({ "id": channel }),
    )
    .await;
    if by_one {
        assert_eq!(
            history["data"]["channelMessageHistory"]["edges"][0]["node"]["id"], message,
            "{history}"
        );
    } else {
        assert_eq!(code(&history), "NOT_FOUND", "{history}");
        assert_eq!(field(&history), "channelId", "{history}");
    }
    let list = ok(
        app,
        token,
        "{ channels(first: 100) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let listed = list["channels"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["node"]["id"] == channel);
    assert_eq!(listed, by_one, "channels: {list}");
    by_one
}

#[tokio::test]
async fn every_cell_of_who_reads_what() {
    let w = world().await;
    let app = &w.estate.app;
    // The parents' group: resident1 joins (open), the floor mate does not.
    let joined = ok(
        app,
        &w.resident,
        "mutation($id: ID!) { joinChannel(input: { channelId: $id }) { status channel { id } } }",
        json!({ "id": w.interest }),
    )
    .await;
    assert_eq!(joined["joinChannel"]["status"], "ACTIVE", "{joined}");
    // One message in each channel, by someone who may post there.
    let in_building = posted(app, &w.resident, &w.building, "Hello building").await;
    let in_floor = posted(app, &w.resident, &w.floor, "Hello floor").await;
    let in_interest = posted(app, &w.resident, &w.interest, "Hello parents").await;
    let in_staff = posted(app, &w.staff, &w.staff_channel, "Hello staff").await;
    let in_direct = posted(app, &w.resident, &w.direct, "Hello office").await;

    // (who, [building, floor, interest, staff, direct])
    let mut cells: Vec<(&str, &String, [bool; 5])> = vec![
        ("resident1", &w.resident, [true, true, true, false, true]),
        (
            "floor mate",
            &w.floor_mate,
            [true, true, false, false, false],
        ),
        (
            "other floor",
            &w.other_floor,
            [true, false, false, false, false],
        ),
        (
            "resident of B",
            &w.resident_b,
            [false, false, false, false, false],
        ),
        (
            "staff serving A",
            &w.staff,
            [true, false, false, true, true],
        ),
        ("manager of A", &w.manager, [true, true, true, true, true]),
        (
            "supervisor",
            &w.supervisor,
            [false, false, false, false, false],
        ),
        ("merchant", &w.merchant, [false, false, false, false, false]),
        ("admin", &w.admin, [true, true, true, true, true]),
    ];
    if let Some(outside) = &w.outside_staff {
        cells.push((
            "staff not serving A",
            outside,
            [false, false, false, false, false],
        ));
    }
    let channels = [
        (&w.building, &in_building),
        (&w.floor, &in_floor),
        (&w.interest, &in_interest),
        (&w.staff_channel, &in_staff),
        (&w.direct, &in_direct),
    ];
    for (who, token, expected) in &cells {
        for (i, (channel, message)) in channels.iter().enumerate() {
            assert_eq!(
                reads(app, token, channel, message).await,
                expected[i],
                "{who} on channel #{i}"
            );
        }
    }
    // Posting into a channel one does not read: NOT_FOUND on the field, nothing written.
    let before = message_count(app).await;
    let json = post(app, &w.resident_b, &w.building, "Let me in").await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.channelId"),
        "{json}"
    );
    assert_eq!(message_count(app).await, before);
    // A reference must name a notice, work order or activity the sender may see.
    for reference in [Uuid::now_v7().to_string(), w.building.clone()] {
        let json = gql(
            app,
            &w.resident,
            POST,
            json!({ "input": { "channelId": w.building, "text": "look", "referenceId": reference } }),
        )
        .await;
        assert_eq!(
            (code(&json), field(&json)),
            ("NOT_FOUND", "input.referenceId"),
            "{json}"
        );
    }
    assert_eq!(message_count(app).await, before);
}

#[tokio::test]
async fn a_resident_who_moves_out_stops_receiving_at_once_over_an_open_subscription() {
    let w = world().await;
    let app = &w.estate.app;
    let start = Uuid::nil().to_string();
    let mut mate_ws = app.ws().await;
    mate_ws
        .init(json!({ "Authorization": format!("Bearer {}", w.floor_mate) }))
        .await;
    mate_ws
        .subscribe("m", SUB, json!({ "id": w.building, "after": start }))
        .await;
    let mut me_ws = app.ws().await;
    me_ws
        .init(json!({ "Authorization": format!("Bearer {}", w.resident) }))
        .await;
    me_ws
        .subscribe("r", SUB, json!({ "id": w.building, "after": start }))
        .await;
    // Outsiders may not follow it.
    let mut probe = app.ws().await;
    probe
        .init(json!({ "Authorization": format!("Bearer {}", w.resident_b) }))
        .await;
    probe.subscribe("x", SUB, json!({ "id": w.building })).await;
    let refused = probe.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );

    posted(app, &w.resident, &w.building, "one").await;
    let got = mate_ws.recv().await;
    assert_eq!(
        got["payload"]["data"]["channelMessages"]["message"]["text"], "one",
        "{got}"
    );
    assert_eq!(
        got["payload"]["data"]["channelMessages"]["change"], "POSTED",
        "{got}"
    );
    let first = me_ws.recv().await;
    assert_eq!(
        first["payload"]["data"]["channelMessages"]["message"]["number"], 1,
        "{first}"
    );

    // The floor mate moves out today: the next message does not reach them.
    let mate = user_by_email(app, &w.floor_mate_email).await;
    let residency = entity::residency::Entity::find()
        .filter(entity::residency::Column::UserId.eq(mate.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let today = app.state.clock.today().to_string();
    ok(
        app,
        &w.admin,
        "mutation($id: ID!, $d: Date!) { endResidency(input: { id: $id, movedOut: $d }) { residency { id } } }",
        json!({ "id": residency.id, "d": today }),
    )
    .await;
    posted(app, &w.resident, &w.building, "two").await;
    let second = me_ws.recv().await;
    assert_eq!(
        second["payload"]["data"]["channelMessages"]["message"]["text"], "two",
        "{second}"
    );
    assert!(
        mate_ws
            .try_recv(StdDuration::from_millis(700))
            .await
            .is_none(),
        "a moved-out resident still receives"
    );
    // And they no longer read the channel anywhere.
    let json = gql(
        app,
        &w.floor_mate,
        "query($id: ID!) { channel(id: $id) { id } }",
        json!({ "id": w.building }),
    )
    .await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");

    // Edits and deletes travel too; resuming after the first event's cursor gives the rest,
    // in order, with no gap and no duplicate.
    let third = posted(app, &w.resident, &w.building, "three").await;
    ok(
        app,
        &w.resident,
        "mutation($id: ID!) { editChannelMessage(input: { messageId: $id, text: \"three!\" }) { message { id } } }",
        json!({ "id": third }),
    )
    .await;
    ok(
        app,
        &w.resident,
        "mutation($id: ID!) { deleteChannelMessage(input: { messageId: $id }) { message { deleted text } } }",
        json!({ "id": third }),
    )
    .await;
    let mut live = Vec::new();
    for _ in 0..3 {
        live.push(me_ws.recv().await["payload"]["data"]["channelMessages"].clone());
    }
    let changes: Vec<&str> = live.iter().map(|e| e["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["POSTED", "EDITED", "DELETED"]);
    assert!(
        live[2]["message"]["text"].is_null(),
        "a tombstone keeps no text"
    );
    let cursor = second["payload"]["data"]["channelMessages"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut resumed = app.ws().await;
    resumed
        .init(json!({ "Authorization": format!("Bearer {}", w.resident) }))
        .await;
    resumed
        .subscribe("again", SUB, json!({ "id": w.building, "after": cursor }))
        .await;
    for expected in &live {
        let got = resumed.recv().await;
        assert_eq!(
            &got["payload"]["data"]["channelMessages"], expected,
            "{got}"
        );
    }
    assert!(
        resumed
            .try_recv(StdDuration::from_millis(300))
            .await
            .is_none(),
        "a duplicate"
    );
}

#[tokio::test]
async fn posting_rules_and_bad_input_write_nothing() {
    let w = world_with(|c| {
        c.channels.blocked_words = vec!["scam".to_owned()];
        c.channels.member_per_minute = 3;
    })
    .await;
    let app = &w.estate.app;
    let before = message_count(app).await;
    // Empty, over-long, blocked: BAD_USER_INPUT on input.text.
    for text in ["   ", &"x".repeat(2001), "This is a SCAM, neighbours"] {
        let json = post(app, &w.resident, &w.building, text).await;
        assert_eq!(
            (code(&json), field(&json)),
            ("BAD_USER_INPUT", "input.text"),
            "{json}"
        );
    }
    // Several bad fields at once are all reported.
    let json = gql(
        app,
        &w.resident,
        POST,
        json!({ "input": { "channelId": "nope", "text": "", "replyToId": "bad" } }),
    )
    .await;
    assert_eq!(json["errors"].as_array().unwrap().len(), 3, "{json}");
    assert_eq!(message_count(app).await, before);

    // An announcement channel: only the property office posts.
    let news = ok(
        app,
        &w.admin,
        CREATE,
        json!({ "input": { "kind": "BUILDING", "name": "Notices", "buildingId": w.building_a.to_string(), "postPolicy": "STAFF" } }),
    )
    .await["createChannel"]["channel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let json = post(app, &w.resident, &news, "Can I?").await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    posted(app, &w.staff, &news, "Water off on Monday").await;

    // The member rate limit: the fourth message within a minute is refused with retryAfter.
    for n in 0..3 {
        posted(app, &w.resident, &w.building, &format!("msg {n}")).await;
    }
    let count = message_count(app).await;
    let json = post(app, &w.resident, &w.building, "one too many").await;
    assert_eq!(code(&json), "RATE_LIMITED", "{json}");
    assert!(
        json["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            >= 1,
        "{json}"
    );
    assert_eq!(message_count(app).await, count);
    app.state.clock.advance(Duration::seconds(61));
    posted(app, &w.resident, &w.building, "later").await;

    // Slow mode: one message per 30 s for members, not for the office.
    let slow = ok(
        app,
        &w.admin,
        CREATE,
        json!({ "input": { "kind": "BUILDING", "name": "Slow", "buildingId": w.building_a.to_string(), "slowModeSeconds": 30 } }),
    )
    .await["createChannel"]["channel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    posted(app, &w.resident, &slow, "first").await;
    let json = post(app, &w.resident, &slow, "second").await;
    assert_eq!(code(&json), "RATE_LIMITED", "{json}");
    assert_eq!(json["errors"][0]["extensions"]["retryAfter"], 30, "{json}");
    posted(app, &w.staff, &slow, "office").await;
    posted(app, &w.staff, &slow, "office again").await;
    app.state.clock.advance(Duration::seconds(30));
    posted(app, &w.resident, &slow, "second").await;

    // Editing: someone else's message is FORBIDDEN; after 15 minutes INVALID_STATE.
    let mine = posted(app, &w.floor_mate, &w.building, "typo hre").await;
    let edit = "mutation($id: ID!, $t: String!) { editChannelMessage(input: { messageId: $id, text: $t }) { message { text editedAt editable } } }";
    let json = gql(
        app,
        &w.resident,
        edit,
        json!({ "id": mine, "t": "mine now" }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let edited = ok(
        app,
        &w.floor_mate,
        edit,
        json!({ "id": mine, "t": "typo here" }),
    )
    .await;
    assert_eq!(edited["editChannelMessage"]["message"]["text"], "typo here");
    app.state.clock.advance(Duration::minutes(16));
    let json = gql(
        app,
        &w.floor_mate,
        edit,
        json!({ "id": mine, "t": "too late" }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    let json = gql(
        app,
        &w.resident,
        "mutation($id: ID!) { deleteChannelMessage(input: { messageId: $id }) { message { id } } }",
        json!({ "id": mine }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    // The edit history is for moderators only.
    let history =
        "query($id: ID!) { node(id: $id) { ... on ChannelMessage { text editHistory { text } } } }";
    let by_member = ok(app, &w.resident, history, json!({ "id": mine })).await;
    assert!(by_member["node"]["editHistory"].is_null(), "{by_member}");
    let by_manager = ok(app, &w.manager, history, json!({ "id": mine })).await;
    assert_eq!(
        by_manager["node"]["editHistory"][0]["text"], "typo hre",
        "{by_manager}"
    );

    // Muted: FORBIDDEN, nothing written; the mute is logged and the member sees it.
    let mute = ok(
        app,
        &w.manager,
        "mutation($c: ID!, $u: ID!) { muteChannelMember(input: { channelId: $c, userId: $u, minutes: 10, reason: \"Shouting\" }) { entry { action reason member { displayName } } } }",
        json!({ "c": w.building, "u": w.resident_id }),
    )
    .await;
    assert_eq!(
        mute["muteChannelMember"]["entry"]["action"], "MUTE",
        "{mute}"
    );
    let count = message_count(app).await;
    let json = post(app, &w.resident, &w.building, "am I muted?").await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    assert_eq!(message_count(app).await, count);
    let log = "query($id: ID!) { channel(id: $id) { moderationLog(first: 10) { edges { node { action reason } } } } }";
    let seen = ok(app, &w.resident, log, json!({ "id": w.building })).await;
    assert_eq!(
        seen["channel"]["moderationLog"]["edges"][0]["node"]["reason"], "Shouting",
        "{seen}"
    );
    let others = ok(app, &w.floor_mate, log, json!({ "id": w.building })).await;
    assert_eq!(
        others["channel"]["moderationLog"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "{others}"
    );
    // A resident may not moderate.
    let json = gql(
        app,
        &w.floor_mate,
        "mutation($c: ID!, $u: ID!) { muteChannelMember(input: { channelId: $c, userId: $u, minutes: 10, reason: \"no\" }) { entry { id } } }",
        json!({ "c": w.building, "u": w.resident_id }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    app.state.clock.advance(Duration::minutes(11));
    posted(app, &w.resident, &w.building, "back").await;
}

#[tokio::test]
async fn unread_counts_mentions_direct_messages_and_reports() {
    let w = world().await;
    let app = &w.estate.app;
    let mut unread_ws = app.ws().await;
    unread_ws
        .init(json!({ "Authorization": format!("Bearer {}", w.floor_mate) }))
        .await;
    unread_ws
        .subscribe(
            "u",
            "subscription { channelUnreadChanged { channelId unreadCount messageCount } }",
            json!({}),
        )
        .await;
    // Let the subscription settle: a post others read is the first thing it can hear.
    let mut heard = None;
    for n in 0..20 {
        posted(app, &w.staff, &w.staff_channel, &format!("staff only {n}")).await;
        posted(app, &w.resident, &w.building, &format!("hello {n}")).await;
        if let Some(event) = unread_ws.try_recv(StdDuration::from_millis(300)).await {
            heard = Some((n, event));
            break;
        }
    }
    let (n, event) = heard.expect("an unread change");
    // Only the building channel: the staff channel is not the floor mate's.
    assert_eq!(
        event["payload"]["data"]["channelUnreadChanged"]["channelId"], w.building,
        "{event}"
    );
    // The floor mate read nothing: every message is unread.
    let change = &event["payload"]["data"]["channelUnreadChanged"];
    let unread = change["unreadCount"].as_i64().unwrap();
    assert!(unread >= 1 && unread <= n + 1, "{event}");
    assert_eq!(change["unreadCount"], change["messageCount"], "{event}");

    // A mention lands in the inbox, with the message as subject; so does a direct message.
    let mate = user_by_email(app, &w.floor_mate_email).await;
    let json = gql(
        app,
        &w.resident,
        POST,
        json!({ "input": { "channelId": w.building, "text": "See you at the meeting", "mentionIds": [mate.id] } }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(
        json["data"]["postChannelMessage"]["message"]["mentions"][0]["displayName"],
        mate.display_name
    );
    let mention_id = json["data"]["postChannelMessage"]["message"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Mentioning someone outside the channel is NOT_FOUND on the field.
    let outsider = user_by_email(app, "resident25@demo.test").await;
    let json = gql(
        app,
        &w.resident,
        POST,
        json!({ "input": { "channelId": w.building, "text": "psst", "mentionIds": [outsider.id] } }),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.mentionIds"),
        "{json}"
    );
    let inbox = "{ notifications(first: 20) { nodes { kind category subject { __typename ... on ChannelMessage { id text } } } } }";
    let got = ok(app, &w.floor_mate, inbox, json!({})).await;
    let nodes = got["notifications"]["nodes"].as_array().unwrap();
    assert!(
        nodes.iter().any(|n| n["kind"] == "CHANNEL_MENTION"
            && n["category"] == "CHANNEL"
            && n["subject"]["id"] == mention_id.as_str()),
        "{got}"
    );
    posted(app, &w.resident, &w.direct, "My door lock is broken").await;
    let got = ok(app, &w.staff, inbox, json!({})).await;
    assert!(
        got["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "CHANNEL_DIRECT_MESSAGE"
                && n["subject"]["text"] == "My door lock is broken"),
        "{got}"
    );

    // Unread counts in the list and after markChannelRead.
    let list = "{ channels(first: 20) { edges { node { id unreadCount messageCount } } } }";
    let unread_of = |data: &Value, id: &str| {
        data["channels"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["id"] == id)
            .map(|e| e["node"]["unreadCount"].as_i64().unwrap())
    };
    let data = ok(app, &w.floor_mate, list, json!({})).await;
    let total = data["channels"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["id"] == w.building)
        .unwrap()["node"]["messageCount"]
        .as_i64()
        .unwrap();
    assert_eq!(unread_of(&data, &w.building), Some(total));
    let read = ok(
        app,
        &w.floor_mate,
        "mutation($c: ID!, $m: ID!) { markChannelRead(input: { channelId: $c, messageId: $m }) { channel { unreadCount } } }",
        json!({ "c": w.building, "m": mention_id }),
    )
    .await;
    assert_eq!(
        read["markChannelRead"]["channel"]["unreadCount"], 0,
        "{read}"
    );
    posted(app, &w.resident, &w.building, "after you read").await;
    let data = ok(app, &w.floor_mate, list, json!({})).await;
    assert_eq!(unread_of(&data, &w.building), Some(1));

    // Reports reach the managers; a hidden message keeps no text for members, its sender sees
    // the reason, moderators still see the text.
    let report = "mutation($id: ID!) { reportChannelMessage(input: { messageId: $id, reason: \"Rude\" }) { reported } }";
    ok(app, &w.floor_mate, report, json!({ "id": mention_id })).await;
    let json = gql(app, &w.floor_mate, report, json!({ "id": mention_id })).await;
    assert_eq!(code(&json), "CONFLICT", "{json}");
    let got = ok(app, &w.manager, inbox, json!({})).await;
    assert!(
        got["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "CHANNEL_MESSAGE_REPORTED"),
        "{got}"
    );
    let hide = "mutation($id: ID!) { hideChannelMessage(input: { messageId: $id, reason: \"Off topic\" }) { message { hidden text } } }";
    let json = gql(app, &w.floor_mate, hide, json!({ "id": mention_id })).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let hidden = ok(app, &w.manager, hide, json!({ "id": mention_id })).await;
    assert_eq!(hidden["hideChannelMessage"]["message"]["hidden"], true);
    let look =
        "query($id: ID!) { node(id: $id) { ... on ChannelMessage { text hidden hiddenReason } } }";
    let as_member = ok(app, &w.floor_mate, look, json!({ "id": mention_id })).await;
    assert!(
        as_member["node"]["text"].is_null() && as_member["node"]["hiddenReason"].is_null(),
        "{as_member}"
    );
    let as_sender = ok(app, &w.resident, look, json!({ "id": mention_id })).await;
    assert_eq!(
        as_sender["node"]["hiddenReason"], "Off topic",
        "{as_sender}"
    );
    let as_moderator = ok(app, &w.manager, look, json!({ "id": mention_id })).await;
    assert_eq!(
        as_moderator["node"]["text"], "See you at the meeting",
        "{as_moderator}"
    );
}

#[tokio::test]
async fn interest_channels_join_on_approval_and_removal_ends_access() {
    let w = world().await;
    let app = &w.estate.app;
    let club = ok(
        app,
        &w.manager,
        CREATE,
        json!({ "input": { "kind": "INTEREST", "name": "Book club", "buildingId": w.building_a.to_string(), "joinPolicy": "APPROVAL" } }),
    )
    .await["createChannel"]["channel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Residents may not create channels unless the flag says so.
    let json = gql(app, &w.resident, CREATE, json!({ "input": { "kind": "INTEREST", "name": "Mine", "buildingId": w.building_a.to_string() } })).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    // Listed to Building A, not to Building B.
    let joinable = "{ joinableChannels(first: 20) { edges { node { id name joinPolicy } } } }";
    let listed = ok(app, &w.resident, joinable, json!({})).await;
    assert!(
        listed["joinableChannels"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["id"] == club)
    );
    let listed = ok(app, &w.resident_b, joinable, json!({})).await;
    assert!(
        !listed["joinableChannels"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["id"] == club)
    );
    let join =
        "mutation($id: ID!) { joinChannel(input: { channelId: $id }) { status channel { id } } }";
    let json = gql(app, &w.resident_b, join, json!({ "id": club })).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.channelId"),
        "{json}"
    );
    let asked = ok(app, &w.resident, join, json!({ "id": club })).await;
    assert_eq!(asked["joinChannel"]["status"], "PENDING");
    let json = post(app, &w.resident, &club, "Hi").await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    ok(
        app,
        &w.manager,
        "mutation($c: ID!, $u: ID!) { approveChannelMember(input: { channelId: $c, userId: $u }) }",
        json!({ "c": club, "u": w.resident_id }),
    )
    .await;
    let message = posted(app, &w.resident, &club, "Hi all").await;
    assert!(reads(app, &w.resident, &club, &message).await);

    // Removed with a reason: access ends, the member sees why, and may not join again.
    let removed = ok(
        app,
        &w.manager,
        "mutation($c: ID!, $u: ID!) { removeChannelMember(input: { channelId: $c, userId: $u, reason: \"Spam\" }) { entry { action reason } } }",
        json!({ "c": club, "u": w.resident_id }),
    )
    .await;
    assert_eq!(removed["removeChannelMember"]["entry"]["action"], "REMOVE");
    assert!(!reads(app, &w.resident, &club, &message).await);
    let json = gql(app, &w.resident, join, json!({ "id": club })).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    // Removing from a BUILDING channel is not a thing.
    let json = gql(
        app,
        &w.manager,
        "mutation($c: ID!, $u: ID!) { removeChannelMember(input: { channelId: $c, userId: $u, reason: \"x\" }) { entry { id } } }",
        json!({ "c": w.building, "u": w.resident_id }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
}

#[tokio::test]
async fn the_demo_has_building_floor_interest_and_staff_channels_and_seeding_twice_adds_nothing() {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    let count = || async {
        (
            entity::channel::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            entity::channel_message::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
        )
    };
    let first = count().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    assert_eq!(count().await, first);
    let token = token_of(&app, "resident1@demo.test").await;
    let data = ok(
        &app,
        &token,
        "{ channels(first: 20) { edges { node { kind name messageCount unreadCount } } } }",
        json!({}),
    )
    .await;
    let kinds: Vec<&str> = data["channels"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap())
        .collect();
    for kind in ["BUILDING", "FLOOR", "INTEREST"] {
        assert!(
            kinds.contains(&kind),
            "resident1 lacks a {kind} channel: {data}"
        );
    }
    let staff = token_of(&app, "staff12@demo.test").await;
    let data = ok(
        &app,
        &staff,
        "{ channels(first: 20) { edges { node { kind } } } }",
        json!({}),
    )
    .await;
    assert!(
        data["channels"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["kind"] == "STAFF"),
        "{data}"
    );
}

#[tokio::test]
async fn the_channel_list_and_history_cost_the_same_statements_for_any_page() {
    let w = world().await;
    let app = &w.estate.app;
    let history = "query($id: ID!) { channelMessageHistory(channelId: $id, last: 50) { totalCount edges { node { id text sender { displayName } mentions { displayName } } } } }";
    let list = "{ channels(first: 20) { edges { node { id name unreadCount canPost } } } }";
    posted(app, &w.resident, &w.building, "one").await;
    let small_history = app
        .sql_of(history, json!({ "id": w.building }), &w.resident)
        .await
        .len();
    let small_list = app.sql_of(list, json!({}), &w.resident).await.len();
    for n in 0..12 {
        posted(app, &w.staff, &w.building, &format!("more {n}")).await;
    }
    let json = ok(
        app,
        &w.resident,
        "mutation($id: ID!) { joinChannel(input: { channelId: $id }) { status } }",
        json!({ "id": w.interest }),
    )
    .await;
    assert_eq!(json["joinChannel"]["status"], "ACTIVE");
    let big_history = app
        .sql_of(history, json!({ "id": w.building }), &w.resident)
        .await;
    let big_list = app.sql_of(list, json!({}), &w.resident).await;
    assert_eq!(big_history.len(), small_history, "{big_history:#?}");
    assert_eq!(big_list.len(), small_list, "{big_list:#?}");
    // The session and roles, the access facets (residencies, units, memberships; a resident
    // has no staff record to read), then the channel, the page, the names and the total; the
    // list reads the page and the read positions.
    assert!(big_history.len() <= 9, "{big_history:#?}");
    assert!(big_list.len() <= 8, "{big_list:#?}");
    println!(
        "statements: history {}, list {}",
        big_history.len(),
        big_list.len()
    );
}

#[tokio::test]
async fn a_reference_resolves_for_each_reader_through_the_objects_own_access() {
    let w = world().await;
    let app = &w.estate.app;
    let (building_b, _) = home(app, "resident25@demo.test").await;
    let publish =
        "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }";
    let notice_for = |building: Uuid| json!({ "i": { "title": "Lift check", "body": "The lift is checked on Thursday.", "kind": "MAINTENANCE", "audience": { "buildingIds": [building] } } });
    let b_notice =
        ok(app, &w.admin, publish, notice_for(building_b)).await["publishNotice"]["notice"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let a_notice =
        ok(app, &w.admin, publish, notice_for(w.building_a)).await["publishNotice"]["notice"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    // resident1 may not link what they may not see.
    let json = gql(
        app,
        &w.resident,
        POST,
        json!({ "input": { "channelId": w.building, "text": "look", "referenceId": b_notice } }),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.referenceId"),
        "{json}"
    );
    for reference in [&b_notice, &a_notice] {
        let json = gql(
            app,
            &w.admin,
            POST,
            json!({ "input": { "channelId": w.building, "text": "See this notice", "referenceId": reference } }),
        )
        .await;
        assert!(json["errors"].is_null(), "{json}");
    }
    let history = "query($id: ID!) { channelMessageHistory(channelId: $id, first: 10) { edges { node { text reference { __typename id } } } } }";
    let refs = |data: Value| -> Vec<Value> {
        data["channelMessageHistory"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["reference"]["id"].clone())
            .collect()
    };
    // resident1 (Building A) sees A's notice only; the manager of both buildings sees both.
    let as_resident = refs(ok(app, &w.resident, history, json!({ "id": w.building })).await);
    assert_eq!(as_resident, vec![Value::Null, json!(a_notice)]);
    let as_manager = refs(ok(app, &w.manager, history, json!({ "id": w.building })).await);
    assert_eq!(as_manager, vec![json!(b_notice), json!(a_notice)]);
}

const REACT: &str = "mutation($input: ChannelMessageReactionInput!) { reactToChannelMessage(input: $input) { message { id reactions { reaction count reactedByMe } } } }";
const UNREACT: &str = "mutation($input: ChannelMessageReactionInput!) { removeChannelMessageReaction(input: $input) { message { id reactions { reaction count reactedByMe } } } }";

async fn reaction_rows(app: &TestApp) -> u64 {
    entity::channel_message_reaction::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn react(app: &TestApp, token: &str, query: &str, message: &str, reaction: &str) -> Value {
    gql(
        app,
        token,
        query,
        json!({ "input": { "messageId": message, "reaction": reaction } }),
    )
    .await
}

/// The reactions of `message` as `token` sees them in the channel's history.
async fn reactions_seen(app: &TestApp, token: &str, channel: &str, message: &str) -> Value {
    let data = ok(
        app,
        token,
        "query($id: ID!) { channelMessageHistory(channelId: $id, last: 50) { edges { node { id reactions { reaction count reactedByMe } } } } }",
        json!({ "id": channel }),
    )
    .await;
    data["channelMessageHistory"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["id"] == message)
        .map(|e| e["node"]["reactions"].clone())
        .expect("the message in the history")
}

#[tokio::test]
async fn reactions_are_idempotent_counted_per_reader_and_only_for_members_of_live_messages() {
    let w = world().await;
    let app = &w.estate.app;
    let message = posted(app, &w.resident, &w.building, "Lift is fixed").await;

    // Reacting twice keeps one row and is no error.
    for _ in 0..2 {
        let json = react(app, &w.resident, REACT, &message, "THUMBS_UP").await;
        assert!(json["errors"].is_null(), "{json}");
        assert_eq!(
            json["data"]["reactToChannelMessage"]["message"]["reactions"],
            json!([{ "reaction": "THUMBS_UP", "count": 1, "reactedByMe": true }])
        );
    }
    assert_eq!(reaction_rows(app).await, 1);
    for reaction in ["HEART", "THUMBS_UP"] {
        let json = react(app, &w.floor_mate, REACT, &message, reaction).await;
        assert!(json["errors"].is_null(), "{json}");
    }
    assert_eq!(reaction_rows(app).await, 3);

    // Counts are the same for every reader; the own flag is each reader's.
    assert_eq!(
        reactions_seen(app, &w.resident, &w.building, &message).await,
        json!([
            { "reaction": "THUMBS_UP", "count": 2, "reactedByMe": true },
            { "reaction": "HEART", "count": 1, "reactedByMe": false },
        ])
    );
    assert_eq!(
        reactions_seen(app, &w.floor_mate, &w.building, &message).await,
        json!([
            { "reaction": "THUMBS_UP", "count": 2, "reactedByMe": true },
            { "reaction": "HEART", "count": 1, "reactedByMe": true },
        ])
    );
    assert_eq!(
        reactions_seen(app, &w.staff, &w.building, &message).await,
        json!([
            { "reaction": "THUMBS_UP", "count": 2, "reactedByMe": false },
            { "reaction": "HEART", "count": 1, "reactedByMe": false },
        ])
    );

    // Taking a reaction back, twice: the second changes nothing and is no error.
    for _ in 0..2 {
        let json = react(app, &w.resident, UNREACT, &message, "THUMBS_UP").await;
        assert!(json["errors"].is_null(), "{json}");
        assert_eq!(
            json["data"]["removeChannelMessageReaction"]["message"]["reactions"],
            json!([
                { "reaction": "THUMBS_UP", "count": 1, "reactedByMe": false },
                { "reaction": "HEART", "count": 1, "reactedByMe": false },
            ])
        );
    }
    assert_eq!(reaction_rows(app).await, 2);

    // Who does not read the channel gets NOT_FOUND, and nothing is written.
    for outsider in [&w.resident_b, &w.merchant] {
        for query in [REACT, UNREACT] {
            let json = react(app, outsider, query, &message, "HEART").await;
            assert_eq!(code(&json), "NOT_FOUND", "{json}");
            assert_eq!(field(&json), "input.messageId", "{json}");
        }
    }
    // The floor channel's message is not the other floor's to react to.
    let floor_message = posted(app, &w.resident, &w.floor, "Floor only").await;
    let json = react(app, &w.other_floor, REACT, &floor_message, "HEART").await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    // A value outside the fixed set, and a malformed id, are refused.
    let json = react(app, &w.resident, REACT, &message, "ANGRY").await;
    assert!(!json["errors"].is_null(), "{json}");
    assert!(json["data"].is_null(), "{json}");
    let json = react(app, &w.resident, REACT, "not-an-id", "HEART").await;
    assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");
    assert_eq!(field(&json), "input.messageId", "{json}");
    assert_eq!(reaction_rows(app).await, 2);

    // A muted member may still react (a mute stops posting only).
    let mate = user_by_email(app, &w.floor_mate_email).await;
    ok(
        app,
        &w.manager,
        "mutation($c: ID!, $u: ID!) { muteChannelMember(input: { channelId: $c, userId: $u, minutes: 10, reason: \"Shouting\" }) { entry { id } } }",
        json!({ "c": w.building, "u": mate.id }),
    )
    .await;
    let json = react(app, &w.floor_mate, REACT, &message, "SAD").await;
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(reaction_rows(app).await, 3);

    // Deleted and hidden messages take no reactions (nor lose them).
    let deleted = posted(app, &w.resident, &w.building, "Oops").await;
    ok(
        app,
        &w.resident,
        "mutation($id: ID!) { deleteChannelMessage(input: { messageId: $id }) { message { deleted } } }",
        json!({ "id": deleted }),
    )
    .await;
    ok(
        app,
        &w.admin,
        "mutation($id: ID!) { hideChannelMessage(input: { messageId: $id, reason: \"Off topic\" }) { message { hidden } } }",
        json!({ "id": message }),
    )
    .await;
    for (id, why) in [(&deleted, "deleted"), (&message, "hidden")] {
        for query in [REACT, UNREACT] {
            let json = react(app, &w.resident, query, id, "THUMBS_UP").await;
            assert_eq!(code(&json), "INVALID_STATE", "{json}");
            assert!(
                json["errors"][0]["message"].as_str().unwrap().contains(why),
                "{json}"
            );
        }
    }
    assert_eq!(reaction_rows(app).await, 3);
}

#[tokio::test]
async fn subscribers_see_each_reaction_change_with_the_new_counts_live_and_on_replay() {
    let w = world().await;
    let app = &w.estate.app;
    let sub = "subscription($id: ID!, $after: String) { channelMessages(channelId: $id, after: $after) { cursor change message { id reactions { reaction count reactedByMe } } } }";
    let start = Uuid::nil().to_string();
    let mut mate_ws = app.ws().await;
    mate_ws
        .init(json!({ "Authorization": format!("Bearer {}", w.floor_mate) }))
        .await;
    mate_ws
        .subscribe("m", sub, json!({ "id": w.building, "after": start }))
        .await;
    let message = posted(app, &w.resident, &w.building, "Coffee on Friday?").await;
    let got = mate_ws.recv().await;
    let event = &got["payload"]["data"]["channelMessages"];
    assert_eq!(event["change"], "POSTED", "{got}");
    assert_eq!(event["message"]["reactions"], json!([]), "{got}");

    let json = react(app, &w.resident, REACT, &message, "HEART").await;
    assert!(json["errors"].is_null(), "{json}");
    let got = mate_ws.recv().await;
    let event = &got["payload"]["data"]["channelMessages"];
    assert_eq!(event["change"], "REACTED", "{got}");
    assert_eq!(event["message"]["id"], message.as_str(), "{got}");
    assert_eq!(
        event["message"]["reactions"],
        json!([{ "reaction": "HEART", "count": 1, "reactedByMe": false }]),
        "{got}"
    );
    let json = react(app, &w.floor_mate, REACT, &message, "HEART").await;
    assert!(json["errors"].is_null(), "{json}");
    let got = mate_ws.recv().await;
    assert_eq!(
        got["payload"]["data"]["channelMessages"]["message"]["reactions"],
        json!([{ "reaction": "HEART", "count": 2, "reactedByMe": true }]),
        "{got}"
    );
    // Reacting again changes nothing: no event.
    let json = react(app, &w.floor_mate, REACT, &message, "HEART").await;
    assert!(json["errors"].is_null(), "{json}");
    let json = react(app, &w.resident, UNREACT, &message, "HEART").await;
    assert!(json["errors"].is_null(), "{json}");
    let got = mate_ws.recv().await;
    assert_eq!(
        got["payload"]["data"]["channelMessages"]["message"]["reactions"],
        json!([{ "reaction": "HEART", "count": 1, "reactedByMe": true }]),
        "{got}"
    );
    assert!(
        mate_ws
            .try_recv(StdDuration::from_millis(300))
            .await
            .is_none(),
        "an unchanged reaction was published"
    );

    // Replay from the start: every change in order, each with the counts it left, and the
    // own flag of this reader.
    let mut me_ws = app.ws().await;
    me_ws
        .init(json!({ "Authorization": format!("Bearer {}", w.resident) }))
        .await;
    me_ws
        .subscribe("r", sub, json!({ "id": w.building, "after": start }))
        .await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let got = me_ws.recv().await;
        let event = &got["payload"]["data"]["channelMessages"];
        seen.push((
            event["change"].clone(),
            event["message"]["reactions"].clone(),
        ));
    }
    assert_eq!(
        seen,
        vec![
            (json!("POSTED"), json!([])),
            (
                json!("REACTED"),
                json!([{ "reaction": "HEART", "count": 1, "reactedByMe": true }])
            ),
            (
                json!("REACTED"),
                json!([{ "reaction": "HEART", "count": 2, "reactedByMe": true }])
            ),
            (
                json!("REACTED"),
                json!([{ "reaction": "HEART", "count": 1, "reactedByMe": false }])
            ),
        ]
    );
    // Someone outside the channel follows none of it.
    let mut probe = app.ws().await;
    probe
        .init(json!({ "Authorization": format!("Bearer {}", w.resident_b) }))
        .await;
    probe.subscribe("x", sub, json!({ "id": w.building })).await;
    let refused = probe.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
}

#[tokio::test]
async fn reactions_cost_one_statement_per_history_page_however_many_there_are() {
    let w = world().await;
    let app = &w.estate.app;
    let bare = "query($id: ID!) { channelMessageHistory(channelId: $id, last: 50) { totalCount edges { node { id text } } } }";
    let with = "query($id: ID!) { channelMessageHistory(channelId: $id, last: 50) { totalCount edges { node { id text reactions { reaction count reactedByMe } } } } }";
    posted(app, &w.resident, &w.building, "one").await;
    let small_bare = app
        .sql_of(bare, json!({ "id": w.building }), &w.resident)
        .await
        .len();
    let small = app
        .sql_of(with, json!({ "id": w.building }), &w.resident)
        .await
        .len();
    assert_eq!(small, small_bare + 1, "reactions: one statement");
    let mut ids = Vec::new();
    for n in 0..8 {
        ids.push(posted(app, &w.staff, &w.building, &format!("more {n}")).await);
    }
    for (i, id) in ids.iter().enumerate() {
        for token in [&w.resident, &w.floor_mate, &w.other_floor] {
            let reaction = ["THUMBS_UP", "HEART", "LAUGH", "THANKS"][i % 4];
            let json = react(app, token, REACT, id, reaction).await;
            assert!(json["errors"].is_null(), "{json}");
        }
    }
    let big = app
        .sql_of(with, json!({ "id": w.building }), &w.resident)
        .await;
    assert_eq!(big.len(), small, "{big:#?}");
    println!("statements: history with reactions {}", big.len());
}
