//! `serve --user EMAIL` takes the password from `STRM_TUI_PASSWORD`, `--password-file` or
//! a prompt, so that it never shows in `ps`; the old `EMAIL:PASSWORD` still works, with a
//! warning.

use serde_json::json;

use crate::support::{PASSWORD, Served, strm_tui};

/// Whether `email` signs in with `password` at `url`.
async fn signs_in(url: &str, email: &str, password: &str) -> bool {
    reqwest::Client::new()
        .post(format!("{url}/v1/auth"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .is_success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_comes_from_the_environment_a_file_or_the_prompt_never_the_command_line() {
    let (dir, served) = Served::with_user("env@example.com", "warn");
    assert!(
        !served.command_line().contains(PASSWORD),
        "{}",
        served.command_line()
    );
    assert!(signs_in(&served.url, "env@example.com", PASSWORD).await);
    drop(served);

    let file = dir.path().join("password.txt");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let served = Served::start(
        dir.path(),
        &[
            "--user",
            "file@example.com",
            "--password-file",
            file.to_str().unwrap(),
        ],
        &[("RUST_LOG", "warn")],
    );
    assert!(signs_in(&served.url, "file@example.com", PASSWORD).await);
    assert!(!served.log().contains("warning"), "{}", served.log());
    drop(served);

    let mut prompted = strm_tui(dir.path());
    prompted
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--user",
            "typed@example.com",
        ])
        .env_remove("STRM_TUI_PASSWORD");
    let served = Served::spawn(
        prompted,
        &[("RUST_LOG", "warn")],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        served.log().contains("Password for typed@example.com"),
        "{}",
        served.log()
    );
    assert!(signs_in(&served.url, "typed@example.com", PASSWORD).await);
    drop(served);

    let served = Served::start(
        dir.path(),
        &["--user", &format!("old@example.com:{PASSWORD}")],
        &[("RUST_LOG", "warn")],
    );
    assert!(
        served.log().contains(
            "warning: --user old@example.com:PASSWORD puts the password where every user"
        ),
        "{}",
        served.log()
    );
    assert!(!served.log().contains(PASSWORD));
    assert!(signs_in(&served.url, "old@example.com", PASSWORD).await);
}

#[test]
fn without_any_source_of_a_password_serve_says_where_to_give_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = strm_tui(dir.path())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--user",
            "none@example.com",
        ])
        .env_remove("STRM_TUI_PASSWORD")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("STRM_TUI_PASSWORD") && stderr.contains("--password-file"),
        "{stderr}"
    );
}
