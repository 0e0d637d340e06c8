//! Facts about the project itself: the committed schema, the error-code list, the configuration
//! surface, `compose.yaml`, and the binary's command line.

use std::collections::BTreeSet;

use clap::Parser;
use resident_hub::{
    config::{Cli, ENV_VARS, Settings},
    error::ErrorCode,
};

#[test]
fn the_committed_schema_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql exists");
    assert!(
        committed == resident_hub::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
}

#[test]
fn every_type_in_the_schema_has_a_description_that_names_no_rust_library() {
    use async_graphql::parser::{parse_schema, types::TypeSystemDefinition};
    // Crate and Rust type names a client has no use for; "UUID" (the format) is fine.
    const RUST_NAMES: [&str; 11] = [
        "chrono",
        "uuid",
        "Uuid",
        "async-graphql",
        "async_graphql",
        "serde",
        "sea-orm",
        "sea_orm",
        "NaiveDate",
        "DateTime<",
        "Rust",
    ];
    let document = parse_schema(resident_hub::graphql::sdl()).expect("the schema parses");
    let mut problems = Vec::new();
    let mut checked = 0;
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        checked += 1;
        let description = ty.description.as_ref().map(|d| d.node.trim());
        match description {
            None | Some("") => problems.push(format!("{} has no description", ty.name.node)),
            Some(text) => {
                let scalar = matches!(ty.kind, async_graphql::parser::types::TypeKind::Scalar);
                for name in RUST_NAMES.iter().filter(|n| scalar && text.contains(**n)) {
                    problems.push(format!("scalar {} mentions {name}", ty.name.node));
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} types found: is this the schema?"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_error_codes_are_pinned() {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        codes,
        [
            "UNAUTHENTICATED",
            "FORBIDDEN",
            "NOT_FOUND",
            "BAD_USER_INPUT",
            "CONFLICT",
            "INVALID_STATE",
            "RATE_LIMITED",
            "QUERY_TOO_COMPLEX",
            "GRAPHQL_PARSE_FAILED",
            "GRAPHQL_VALIDATION_FAILED",
            "BAD_REQUEST",
            "METHOD_NOT_ALLOWED",
            "UNSUPPORTED_MEDIA_TYPE",
            "NOT_ACCEPTABLE",
            "PAYLOAD_TOO_LARGE",
            "TIMEOUT",
            "INTERNAL",
        ]
    );
    for code in ErrorCode::ALL {
        assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
    }
}

#[test]
fn an_invalid_setting_is_refused_with_its_name() {
    let cases = [
        (vec!["--listen", "nowhere"], "RESIDENT_HUB_LISTEN"),
        (vec!["--database-url", "mysql://x"], "DATABASE_URL"),
        (vec!["--redis-url", "http://x"], "REDIS_URL"),
        (
            vec!["--cors-origins", "https://a.example/path"],
            "RESIDENT_HUB_CORS_ORIGINS",
        ),
        (vec!["--jwt-secret", "short"], "RESIDENT_HUB_JWT_SECRET"),
        (vec!["--max-depth", "0"], "RESIDENT_HUB_MAX_DEPTH"),
        (
            vec!["--refresh-grace-secs", "301"],
            "RESIDENT_HUB_REFRESH_GRACE_SECS",
        ),
    ];
    for (args, setting) in cases {
        let cli = Cli::try_parse_from(std::iter::once("resident-hub").chain(args.iter().copied()))
            .unwrap();
        let err = cli.settings.into_config().unwrap_err();
        assert!(err.to_string().contains(setting), "{err}");
    }
}

#[test]
fn the_documented_defaults_match_the_command_line_defaults() {
    let cli = Cli::try_parse_from(["resident-hub"]).unwrap();
    // Only meaningful when the environment sets none of the settings.
    if ENV_VARS
        .iter()
        .any(|var| std::env::var_os(var).is_some() && *var != "RUST_LOG")
    {
        return;
    }
    assert_eq!(
        format!("{:?}", cli.settings),
        format!("{:?}", Settings::defaults())
    );
}

#[test]
fn every_setting_is_documented_in_help_with_its_environment_variable() {
    let help = Cli::try_parse_from(["resident-hub", "--help"])
        .unwrap_err()
        .to_string()
        + &Cli::try_parse_from(["resident-hub", "create-admin", "--help"])
            .unwrap_err()
            .to_string();
    for var in ENV_VARS.iter().filter(|v| **v != "RUST_LOG") {
        assert!(help.contains(var), "--help does not mention {var}");
    }
    // And the list is whole: every environment variable the command line reads is on it.
    let command = <Cli as clap::CommandFactory>::command();
    let mut read: Vec<String> = command
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|env| env.to_string_lossy().into_owned())
        .collect();
    for sub in command.get_subcommands() {
        read.extend(
            sub.get_arguments()
                .filter_map(|arg| arg.get_env())
                .map(|env| env.to_string_lossy().into_owned()),
        );
    }
    for var in read {
        assert!(ENV_VARS.contains(&var.as_str()), "ENV_VARS lacks {var}");
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for var in ENV_VARS {
        assert!(readme.contains(var), "README does not document {var}");
    }
}

#[test]
fn compose_describes_the_production_topology_with_real_settings() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/compose.yaml")).unwrap();
    let mut compose: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    compose.apply_merge().unwrap();
    let services = compose["services"].as_mapping().expect("services");
    let names: BTreeSet<&str> = services.keys().filter_map(|k| k.as_str()).collect();
    for required in ["postgres", "redis", "app1", "app2"] {
        assert!(
            names.contains(required),
            "compose.yaml lacks service {required}"
        );
    }
    for name in ["postgres", "redis", "app1", "app2"] {
        let service = &compose["services"][name];
        assert!(
            service["healthcheck"]["test"].is_sequence(),
            "{name} has no health check"
        );
    }
    let known: BTreeSet<&str> = ENV_VARS.iter().copied().collect();
    for name in ["app1", "app2"] {
        let env = compose["services"][name]["environment"]
            .as_mapping()
            .expect("environment map");
        assert!(env.contains_key("DATABASE_URL") && env.contains_key("REDIS_URL"));
        for key in env.keys().filter_map(|k| k.as_str()) {
            assert!(
                known.contains(key),
                "{name} passes {key}, which the server does not read"
            );
        }
        let depends = compose["services"][name]["depends_on"]
            .as_mapping()
            .expect("depends_on");
        for dependency in ["postgres", "redis"] {
            assert_eq!(depends[dependency]["condition"], "service_healthy");
        }
    }
    assert!(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile")).exists());
}

#[test]
fn the_readme_transition_table_is_the_one_in_the_code() {
    use resident_hub::domains::work_orders::flow::TRANSITIONS;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("| from | action (mutation) | to | who |")
        .expect("the table is in the README");
    let rows: Vec<(String, String, String)> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.trim_start().starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            let action = cells[1].split_whitespace().next().unwrap_or("").to_owned();
            (cells[0].to_owned(), action, cells[2].to_owned())
        })
        .collect();
    let code: Vec<(String, String, String)> = TRANSITIONS
        .iter()
        .map(|(from, action, to)| {
            (
                from.as_str().to_owned(),
                action.as_str().to_owned(),
                to.as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(rows, code);
}
