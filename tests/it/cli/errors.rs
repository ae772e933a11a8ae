//! Every CLI error is one clear line with the exit code scripts rely on: 1 for the server's
//! refusals and I/O, 2 for usage and the model's rules.

use serde_json::json;

use super::{Home, mode, server, words};
use crate::support::Says::{self, Has, Lacks, OneLine};
use crate::support::{EMAIL, PASSWORD, check};

/// Runs each row's command, which must fail with its exit code, and checks its message.
fn refused(home: &Home, rows: Vec<(Vec<&str>, i32, &[Says])>) {
    for (args, code, says) in rows {
        let err = home.fails(&args, code);
        check(&format!("{args:?}"), &err, says);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_one_clear_line_with_the_right_exit_code() {
    let server = server().await;
    let home = Home::signed_in(&server);
    home.ok(&["streams", "create", "bart"]);
    home.file("broken.json", "AccessKeyId = AKIA");
    home.file("wrong.json", r#"{"AccessKey": {"UserName": "x"}}"#);

    refused(
        &home,
        vec![
            // Interval outside 30..=3600, also when written as a negative number
            (
                words("exporters create -en s3 -sn s3-bart -st S3 -i 29 bart"),
                2,
                &[OneLine, Has("intervalSecs"), Has("29"), Has("30 to 3600")],
            ),
            (
                words("exporters create -en s3 -sn s3-bart -st S3 -i -1 bart"),
                2,
                &[OneLine, Has("intervalSecs"), Has("-1"), Has("30 to 3600")],
            ),
            // An unknown sink is the server's answer, naming it
            (
                words("exporters create -en s3 -sn no-such-sink -st S3 -i 30 bart"),
                1,
                &[OneLine, Has("no-such-sink")],
            ),
            // Credentials files: missing (I/O, 1) and not JSON (usage, 2) name the file
            (
                words("sinks create s3 s3-bart -bn bucket-one -cf missing.json"),
                1,
                &[
                    OneLine,
                    Has("-cf/--credentials-file"),
                    Has("missing.json"),
                    Has("cannot read"),
                ],
            ),
            (
                words("sinks create s3 s3-bart -bn bucket-one -cf broken.json"),
                2,
                &[
                    Has("-cf/--credentials-file"),
                    Has("broken.json"),
                    Has("not JSON"),
                ],
            ),
            (
                words("sinks create s3 s3-bart -bn bucket-one -cf wrong.json"),
                2,
                &[Has("wrong.json"), Has("AccessKeyId")],
            ),
            // Rules from the model, before anything is sent
            (
                words("streams create Bart_1"),
                2,
                &[Has("\"Bart_1\""), Has("1-63 characters")],
            ),
            (
                words("outputs create bart none"),
                2,
                &[Has("consentLevels"), Has("is empty")],
            ),
            (
                words("sinks create s3 s3-bart -bn s3://bucket"),
                2,
                &[Has("bucketName"), Has("scheme")],
            ),
            // The server's refusal of a missing resource
            (words("streams delete nope"), 1, &[Has("nope"), Has("404")]),
            // --read-only refuses changes
            (
                words("--read-only streams create other"),
                2,
                &[Has("read-only")],
            ),
            // clap's own usage errors are 2
            (words("exporters create -sn s -st S3 -i 30 bart"), 2, &[]),
            (words("sinks delete x azure"), 2, &[]),
            // A wrong password is the server's 401
            (
                vec!["auth", "login", "-e", EMAIL, "-p", "wrong password"],
                1,
                &[Has("401")],
            ),
        ],
    );
    // Nothing the refusals named was created, and the stored session survived the wrong
    // password.
    assert_eq!(home.json(&["exporters", "list"]), json!([]));
    assert_eq!(home.json(&["sinks", "list"]), json!([]));
    home.ok(&["auth", "show"]);

    // A stream with an output is refused without --recursive
    home.ok(&["outputs", "create", "bart", "all", "-cl", "2"]);
    let err = home.fails(&["streams", "delete", "bart"], 1);
    check(
        "a stream with an output",
        &err,
        &[Has("409"), Has("use --recursive"), Lacks("?recursive")],
    );
    home.ok(&["streams", "delete", "bart", "--recursive"]);
    // --read-only still reads
    assert_eq!(home.json(&["--read-only", "streams", "list"]), json!([]));

    // A broken credentials file is named, and logging in again replaces it
    std::fs::write(home.credentials_file(), "not json").unwrap();
    let err = home.fails(&["streams", "list"], 1);
    check(
        "a broken credentials file",
        &err,
        &[Has("-credentials.json"), Has("not a credentials file")],
    );
    home.ok(&["auth", "login", "-e", EMAIL, "-p", PASSWORD]);
    assert_eq!(home.json(&["streams", "list"]), json!([]));
    assert_eq!(mode(&home.credentials_file()), 0o600);
    server.shutdown().await;
}

#[test]
fn an_invalid_option_or_config_value_stops_at_start_naming_the_choices() {
    let home = Home::new(None);
    let err = home.fails(&["--theme", "dark"], 2);
    check(
        "--theme dark",
        &err,
        &[Has("'dark'"), Has("default, light, mono")],
    );
    let err = home.fails(&["streams", "list", "--api-url", "not a url"], 2);
    check("--api-url", &err, &[Has("not a url")]);
    std::fs::create_dir_all(home.config_dir()).unwrap();
    let config = home.config_dir().join("config.toml");
    for (text, says) in [
        (
            "theme = \"dark\"\n",
            &[
                Has("config.toml: theme"),
                Has("\"dark\" is not a theme"),
                Has("default, light, mono"),
            ][..],
        ),
        (
            "mouse = true\nrefresh_secs = \"often\"\n",
            &[Has("config.toml line 2"), Has("\"often\"")][..],
        ),
        (
            "[keys]\nquit = \"nope-key\"\n",
            &[Has("[keys]"), Has("\"nope-key\" is not a key")][..],
        ),
        (
            "api_url = \"ftp://x\"\n",
            &[Has("config.toml: api_url"), Has("ftp://x")][..],
        ),
    ] {
        std::fs::write(&config, text).unwrap();
        // Before the terminal is touched: the console does not start.
        let err = home.fails(&[], 2);
        check(text, &err, &[OneLine]);
        check(text, &err, says);
    }
}
