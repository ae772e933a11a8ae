//! The seed's CLI walkthrough, run with the real `strm-tui` binary against the real local
//! server on 127.0.0.1, plus the error paths and exit codes scripts rely on.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};
use strm_model::AuthResponse;

const EMAIL: &str = "strm-bart@example.com";
const PASSWORD: &str = "correct horse battery";

/// A config and data directory of its own, so no test sees the user's files or another
/// test's session.
struct Home {
    dir: tempfile::TempDir,
    api: Option<String>,
}

impl Home {
    fn new(api: Option<&str>) -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
            api: api.map(str::to_string),
        }
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("strm-tui").unwrap();
        cmd.env("STRM_TUI_CONFIG_DIR", self.config_dir())
            .env("STRM_TUI_DATA_DIR", self.dir.path().join("data"))
            .env_remove("STRM_API_URL")
            .current_dir(self.dir.path())
            .args(args);
        if let Some(api) = &self.api {
            cmd.args(["--api-url", api]);
        }
        cmd
    }

    /// Runs a command that must succeed and returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let text = self.ok(args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    /// Runs a command that must fail with `code`; returns its one stderr line.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.cmd(args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
        stderr
    }

    fn credentials_file(&self) -> PathBuf {
        strm_client::paths::Paths {
            config_dir: self.config_dir(),
            data_dir: self.dir.path().join("data"),
        }
        .credentials_file(self.api.as_deref().unwrap())
    }
}

/// The local server in this process, with the seed's account.
async fn server() -> (strm_server::ServerHandle, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let handle = strm_server::start(strm_server::ServerConfig::new(data.path().to_path_buf()))
        .await
        .unwrap();
    strm_client::ApiClient::new(&handle.url())
        .unwrap()
        .create_account(EMAIL, PASSWORD)
        .await
        .unwrap();
    (handle, data)
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

const S3_JSON: &str = r#"{
    "AccessKey": {
        "UserName": "streammachine-bucket1",
        "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "Status": "Active",
        "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "CreateDate": "2021-01-14T15:28:16+00:00"
    }
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_walkthrough_works_with_strm_tui() {
    let (server, _data) = server().await;
    let home = Home::new(Some(&server.url()));

    // Logging in
    let out = home.ok(&["auth", "login", "-e", EMAIL, "-p", PASSWORD]);
    assert_eq!(out.trim(), format!("Successfully logged in as {EMAIL}"));
    let creds = home.credentials_file();
    assert_eq!(mode(&creds), 0o600);
    let stored: AuthResponse = serde_json::from_slice(&std::fs::read(&creds).unwrap()).unwrap();

    let show = home.ok(&["auth", "show"]);
    let lines: Vec<&str> = show.lines().collect();
    assert_eq!(lines.len(), 3, "{show}");
    assert_eq!(lines[0], format!("Credentials for {EMAIL}"));
    assert_eq!(lines[1], format!("Billing id = {}", stored.billing_id));
    assert!(stored.billing_id.starts_with("strmbart"));
    let until = lines[2]
        .strip_prefix("Current token valid until = ")
        .and_then(|t| t.strip_suffix(" UTC"))
        .unwrap_or_else(|| panic!("{show}"));
    let expected = time::OffsetDateTime::from_unix_timestamp(stored.expires_at).unwrap();
    assert_eq!(
        until,
        expected
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]"
            ))
            .unwrap()
    );

    let shown: AuthResponse =
        serde_json::from_value(home.json(&["auth", "show", "--json"])).unwrap();
    assert_eq!(shown, stored);

    // Creating a stream
    assert_eq!(home.json(&["streams", "list"]), json!([]));
    let stream = home.json(&["streams", "create", "bart"]);
    assert_eq!(stream["name"], "bart");
    assert_eq!(stream["tags"], json!([]));
    let client_id = stream["credentials"]["clientId"].as_str().unwrap();
    let secret = stream["credentials"]["clientSecret"].as_str().unwrap();
    assert_eq!(client_id.len(), 30);
    assert_eq!(secret.len(), 30);
    let secrets_file = home.config_dir().join("client-secrets.json");
    assert_eq!(mode(&secrets_file), 0o600);
    let saved: Value = serde_json::from_slice(&std::fs::read(&secrets_file).unwrap()).unwrap();
    let host_key = strm_client::paths::host_key(&server.url());
    assert_eq!(
        saved[&host_key][format!("{}/bart", stored.billing_id)],
        json!({"clientId": client_id, "clientSecret": secret})
    );

    // Creating decrypted streams
    let help = home.ok(&["outputs", "create", "--help"]);
    assert!(help.starts_with("Usage: strm-tui outputs create [OPTIONS] name output-name"));
    assert!(help.contains("-cl, --consent-level INT"), "{help}");
    assert!(
        help.contains("-clt, --consent-level-type [GRANULAR|CUMULATIVE]"),
        "{help}"
    );
    let output = home.json(&[
        "outputs", "create", "bart", "level0-1", "-cl", "0", "-cl", "1", "-clt", "GRANULAR",
    ]);
    assert_eq!(output["linkedStream"], "bart");
    assert_eq!(output["name"], "level0-1");
    assert_eq!(output["tags"], json!([]));
    assert_eq!(output["consentLevelType"], "GRANULAR");
    assert_eq!(output["consentLevels"], json!([0, 1]));
    assert_eq!(output["decrypterName"], "default");
    assert!(output["credentials"]["clientSecret"].is_string());
    let saved: Value = serde_json::from_slice(&std::fs::read(&secrets_file).unwrap()).unwrap();
    assert_eq!(
        saved[&host_key][format!("{}/level0-1", stored.billing_id)]["clientId"],
        output["credentials"]["clientId"]
    );

    // Exporting to S3: a sink from an `aws iam create-access-key` file
    home.file("s3.json", S3_JSON);
    let sink = home.json(&[
        "sinks",
        "create",
        "s3",
        "s3-bart",
        "--bucket-name",
        "bvandeenen-streammachine-bucket",
        "-cf",
        "s3.json",
    ]);
    assert_eq!(
        sink,
        json!({"sinkType": "S3", "sinkName": "s3-bart", "bucketName": "bvandeenen-streammachine-bucket"})
    );
    assert_eq!(home.json(&["sinks", "list"]), json!([sink]));
    assert_eq!(
        home.json(&["sinks", "list", "-n", "s3-bart", "-st", "S3"]),
        sink
    );

    let help = home.ok(&["exporters", "create", "--help"]);
    assert!(help.starts_with("Usage: strm-tui exporters create [OPTIONS] streamName"));
    for form in [
        "-en, --exporter-name TEXT",
        "-sn, --sink-name TEXT",
        "-st, --sink-type [S3|GCLOUD]",
        "-i, --interval INT",
        "-pp, --path-prefix TEXT",
    ] {
        assert!(help.contains(form), "{form}: {help}");
    }
    let exporter = home.json(&[
        "exporters",
        "create",
        "-en",
        "s3",
        "-sn",
        "s3-bart",
        "-st",
        "S3",
        "-i",
        "30",
        "-pp",
        "level01",
        "level0-1",
    ]);
    assert_eq!(
        exporter,
        json!({"name": "s3", "linkedStream": "level0-1", "sinkName": "s3-bart", "sinkType": "S3",
               "intervalSecs": 30, "type": "BATCH", "pathPrefix": "level01"})
    );

    // The lists
    let streams = home.json(&["streams", "list"]);
    assert_eq!(streams.as_array().unwrap().len(), 1);
    assert_eq!(streams[0]["name"], "bart");
    assert!(
        streams[0]["credentials"].get("clientSecret").is_none(),
        "lists never show secrets"
    );
    assert_eq!(
        home.json(&["streams", "list", "-n", "bart"])["name"],
        "bart"
    );
    let outputs = home.json(&["outputs", "list", "bart"]);
    assert_eq!(outputs[0]["name"], "level0-1");
    assert_eq!(
        home.json(&["outputs", "list", "bart", "-on", "level0-1"])["consentLevels"],
        json!([0, 1])
    );
    assert_eq!(home.json(&["exporters", "list"]), json!([exporter]));
    assert_eq!(
        home.json(&["exporters", "get", "level0-1", "-en", "s3"]),
        exporter
    );
    assert_eq!(
        home.json(&["consent-levels", "create", "0", "-n", "necessary"]),
        json!({"id": 0, "name": "necessary"})
    );
    assert_eq!(
        home.json(&["consent-levels", "list"]),
        json!([{"id": 0, "name": "necessary"}])
    );
    assert_eq!(
        home.json(&["consent-levels", "list", "-i", "0"])["name"],
        "necessary"
    );

    // A token for the OpenAPI page
    let token = home.ok(&["auth", "print-access-token"]);
    assert_eq!(token.trim(), stored.id_token);

    // The deletes, each confirmed on one line and gone afterwards
    for (args, gone) in [
        (
            &["exporters", "delete", "level0-1", "-en", "s3"][..],
            &["exporters", "list"][..],
        ),
        (&["sinks", "delete", "s3-bart", "S3"], &["sinks", "list"]),
        (
            &["outputs", "delete", "bart", "level0-1"],
            &["outputs", "list", "bart"],
        ),
        (&["streams", "delete", "bart"], &["streams", "list"]),
        (
            &["consent-levels", "delete", "0"],
            &["consent-levels", "list"],
        ),
    ] {
        let out = home.ok(args);
        assert_eq!(out.lines().count(), 1, "{args:?}: {out}");
        assert!(out.starts_with("Deleted "), "{out}");
        assert_eq!(home.json(gone), json!([]), "{gone:?}");
    }

    // Logging out deletes the credentials file
    home.ok(&["auth", "logout"]);
    assert!(!creds.exists());
    let err = home.fails(&["streams", "list"], 1);
    assert!(err.contains("not logged in"), "{err}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_one_clear_line_with_the_right_exit_code() {
    let (server, _data) = server().await;
    let home = Home::new(Some(&server.url()));
    home.ok(&["auth", "login", "-e", EMAIL, "-p", PASSWORD]);
    home.ok(&["streams", "create", "bart"]);

    // Interval outside 30..=3600, also when written as a negative number
    for bad in ["29", "-1"] {
        let err = home.fails(
            &[
                "exporters",
                "create",
                "-en",
                "s3",
                "-sn",
                "s3-bart",
                "-st",
                "S3",
                "-i",
                bad,
                "bart",
            ],
            2,
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("intervalSecs") && err.contains(bad) && err.contains("30 to 3600"),
            "{err}"
        );
    }
    // An unknown sink is the server's answer, naming it
    let err = home.fails(
        &[
            "exporters",
            "create",
            "-en",
            "s3",
            "-sn",
            "no-such-sink",
            "-st",
            "S3",
            "-i",
            "30",
            "bart",
        ],
        1,
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no-such-sink"), "{err}");
    assert_eq!(home.json(&["exporters", "list"]), json!([]));

    // Credentials files: missing (I/O, 1) and not JSON (usage, 2) name the file
    let err = home.fails(
        &[
            "sinks",
            "create",
            "s3",
            "s3-bart",
            "-bn",
            "bucket-one",
            "-cf",
            "missing.json",
        ],
        1,
    );
    assert!(
        err.contains("missing.json") && err.contains("cannot read"),
        "{err}"
    );
    home.file("broken.json", "AccessKeyId = AKIA");
    let err = home.fails(
        &[
            "sinks",
            "create",
            "s3",
            "s3-bart",
            "-bn",
            "bucket-one",
            "-cf",
            "broken.json",
        ],
        2,
    );
    assert!(
        err.contains("broken.json") && err.contains("not JSON"),
        "{err}"
    );
    home.file("wrong.json", r#"{"AccessKey": {"UserName": "x"}}"#);
    let err = home.fails(
        &[
            "sinks",
            "create",
            "s3",
            "s3-bart",
            "-bn",
            "bucket-one",
            "-cf",
            "wrong.json",
        ],
        2,
    );
    assert!(
        err.contains("wrong.json") && err.contains("AccessKeyId"),
        "{err}"
    );
    assert_eq!(home.json(&["sinks", "list"]), json!([]));

    // Rules from the model, before anything is sent
    let err = home.fails(&["streams", "create", "Bart_1"], 2);
    assert!(
        err.contains("\"Bart_1\"") && err.contains("1-63 characters"),
        "{err}"
    );
    let err = home.fails(&["outputs", "create", "bart", "none"], 2);
    assert!(
        err.contains("consentLevels") && err.contains("is empty"),
        "{err}"
    );
    let err = home.fails(
        &["sinks", "create", "s3", "s3-bart", "-bn", "s3://bucket"],
        2,
    );
    assert!(
        err.contains("bucketName") && err.contains("scheme"),
        "{err}"
    );

    // The server's refusals: missing resources and dependents
    let err = home.fails(&["streams", "delete", "nope"], 1);
    assert!(err.contains("nope") && err.contains("404"), "{err}");
    home.ok(&["outputs", "create", "bart", "all", "-cl", "2"]);
    let err = home.fails(&["streams", "delete", "bart"], 1);
    assert!(err.contains("409"), "{err}");
    home.ok(&["streams", "delete", "bart", "--recursive"]);

    // --read-only refuses changes but still reads
    let err = home.fails(&["--read-only", "streams", "create", "other"], 2);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(home.json(&["--read-only", "streams", "list"]), json!([]));

    // clap's own usage errors are 2
    home.fails(
        &[
            "exporters",
            "create",
            "-sn",
            "s",
            "-st",
            "S3",
            "-i",
            "30",
            "bart",
        ],
        2,
    );
    home.fails(&["sinks", "delete", "x", "azure"], 2);

    // A wrong password is the server's 401, and the stored session is kept
    let err = home.fails(&["auth", "login", "-e", EMAIL, "-p", "wrong password"], 1);
    assert!(err.contains("401"), "{err}");
    home.ok(&["auth", "show"]);

    // A broken credentials file is named, and logging in again replaces it
    std::fs::write(home.credentials_file(), "not json").unwrap();
    let err = home.fails(&["streams", "list"], 1);
    assert!(
        err.contains("-credentials.json") && err.contains("not a credentials file"),
        "{err}"
    );
    home.ok(&["auth", "login", "-e", EMAIL, "-p", PASSWORD]);
    assert_eq!(home.json(&["streams", "list"]), json!([]));
    assert_eq!(mode(&home.credentials_file()), 0o600);
    server.shutdown().await;
}

#[test]
fn without_an_api_url_the_local_server_answers() {
    let home = Home::new(None);
    assert_eq!(home.json(&["streams", "list"]), json!([]));
    let created = home.json(&["streams", "create", "local-one"]);
    assert_eq!(created["name"], "local-one");
    // A second process finds the same local data.
    assert_eq!(home.json(&["streams", "list"])[0]["name"], "local-one");
    let show = home.ok(&["auth", "show"]);
    assert!(show.starts_with("Credentials for "), "{show}");
    // The secret the CLI saved at creation is what the simulator sends with.
    let sent = home.ok(&["simulate", "local-one", "--count", "3", "--rate", "50"]);
    assert!(sent.contains("3 events sent to local-one"), "{sent}");
}

#[test]
fn completion_scripts_are_produced_and_bash_loads_them() {
    let home = Home::new(None);
    for shell in ["bash", "zsh", "fish"] {
        let flag = home.ok(&["--generate-completion", shell]);
        let sub = home.ok(&["completions", shell]);
        assert_eq!(flag, sub, "{shell}");
        assert!(
            flag.contains("strm-tui") && flag.contains("exporters"),
            "{shell}"
        );
    }
    let bin = assert_cmd::cargo::cargo_bin("strm-tui");
    let script = format!(
        "source <('{}' --generate-completion bash) && complete -p strm-tui",
        bin.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("strm-tui"));
}

#[tokio::test(flavor = "multi_thread")]
async fn interactive_login_offers_the_last_email_and_hides_the_password() {
    use expectrl::Expect;
    let (server, _data) = server().await;
    let home = Home::new(Some(&server.url()));
    home.ok(&["auth", "login", "-e", EMAIL, "-p", PASSWORD]);

    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("strm-tui"));
    cmd.env("STRM_TUI_CONFIG_DIR", home.config_dir())
        .env("STRM_TUI_DATA_DIR", home.dir.path().join("data"))
        .env_remove("STRM_API_URL")
        .args(["--api-url", &server.url(), "auth", "login"]);
    let mut term = expectrl::Session::spawn(cmd).unwrap();
    term.set_expect_timeout(Some(std::time::Duration::from_secs(30)));
    term.expect(format!("email address [{EMAIL}]: ").as_str())
        .unwrap();
    term.send("\r").unwrap(); // take the offered address
    term.expect("password: ").unwrap();
    term.send(format!("{PASSWORD}\r")).unwrap();
    // Everything the terminal showed after the password was typed, up to the answer.
    let after = term.expect("Successfully logged in as ").unwrap();
    let shown = String::from_utf8_lossy(after.before()).into_owned();
    assert!(
        !shown.contains(PASSWORD),
        "the password was echoed: {shown:?}"
    );
    let rest = term.expect(expectrl::Eof).unwrap();
    let rest = String::from_utf8_lossy(rest.as_bytes()).into_owned();
    assert!(rest.starts_with(EMAIL), "{rest:?}");
    assert_eq!(
        term.get_process().wait().unwrap(),
        expectrl::process::unix::WaitStatus::Exited(term.get_process().pid(), 0)
    );
    server.shutdown().await;
}

#[test]
fn serve_runs_the_local_server_with_the_given_accounts() {
    use std::io::BufRead;
    let home = Home::new(None);
    let err = home.fails(&["serve", "--user", "strm-bart@example.com:short"], 2);
    assert!(err.contains("password") && !err.contains("short"), "{err}");

    /// Stops the server even when an assertion fails.
    struct Child(std::process::Child);
    impl Drop for Child {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let server = std::process::Command::new(assert_cmd::cargo::cargo_bin("strm-tui"))
        .env("STRM_TUI_CONFIG_DIR", home.config_dir())
        .env("STRM_TUI_DATA_DIR", home.dir.path().join("data"))
        .args(["serve", "--addr", "127.0.0.1:0", "--user"])
        .arg(format!("{EMAIL}:{PASSWORD}"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Child(server);
    let mut lines = std::io::BufReader::new(server.0.stderr.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split_once("listening on ")
                .map(|(_, u)| u.trim().to_string())
        })
        .expect("serve prints its URL");
    // Keep reading so the server's log lines never meet a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    // Commands without --api-url on the same data directory join this server rather
    // than starting a second one on the same database.
    assert_eq!(home.json(&["streams", "list"]), json!([]));
    let published =
        std::fs::read_to_string(home.dir.path().join("data/server/server.json")).unwrap();
    assert!(published.contains(&url), "{published} names {url}");
    let err = home.fails(&["serve", "--addr", "127.0.0.1:0"], 1);
    assert!(
        err.contains("already runs the local server") && err.contains(&url),
        "{err}"
    );
    let remote = Home {
        dir: home.dir,
        api: Some(url),
    };
    let out = remote.ok(&["auth", "login", "-e", EMAIL, "-p", PASSWORD]);
    assert!(out.contains(EMAIL), "{out}");
    assert_eq!(remote.json(&["streams", "list"]), json!([]));
}
