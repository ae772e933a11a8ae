//! Confirmations, credentials, the command line, help, the error log and the keys the
//! config file binds.

use super::*;

#[test]
fn delete_defaults_to_cancel_and_streams_need_their_name_typed() {
    let mut app = fixed_app();
    app.update(ch('d'));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(app.popups.is_empty(), "Enter on the default button cancels");
    app.update(ch('d'));
    match app.popups.last() {
        Some(Popup::Confirm(c)) => {
            assert!(c.lines.iter().any(|l| l.contains("level0-1")));
            assert!(c.lines.iter().any(|l| l.contains("s3 (on level0-1)")));
        }
        _ => panic!("confirm expected"),
    }
    let out = confirm_by_typing(&mut app, "bart");
    assert_eq!(out[0].1, delete_bart());
}

#[test]
fn command_line_completes_and_runs() {
    let mut app = fixed_app();
    app.update(ch(':'));
    type_text(&mut app, "si");
    app.update(key(KeyCode::Tab));
    match app.popups.last() {
        Some(Popup::Command(c)) => assert_eq!(c.text, "sinks ", "a name may follow"),
        _ => panic!(),
    }
    app.update(key(KeyCode::Enter));
    assert_eq!(app.tab, Tab::Sinks);
    app.update(ch(':'));
    type_text(&mut app, "q");
    app.update(key(KeyCode::Enter));
    assert!(app.quit);
}

#[test]
fn snapshot_confirm_credentials_help_errors() {
    let mut app = fixed_app();
    app.update(ch('d'));
    type_text(&mut app, "ba");
    snap("confirm_delete_stream", &app);
    app.popups.clear();
    app.popups
        .push(Popup::Credentials(crate::app::CredentialsView {
            name: "web".into(),
            billing_id: "bart0123456789".into(),
            client_id: "webclientid0000000000000000000".into(),
            client_secret: Some("Z^H^s_Xdm!h9W(pP2x#q.vb-88aKq0".into()),
            revealed: false,
            just_created: true,
            loading: None,
        }));
    snap("credentials_masked", &app);
    app.update(ch('v'));
    snap("credentials_revealed", &app);
    app.popups.clear();
    app.update(ch('?'));
    snap("help", &app);
    app.popups.clear();
    app.log_error("cannot reach http://127.0.0.1:9: connection refused".into());
    app.update(ch('E'));
    snap("error_log", &app);
}

#[test]
fn saved_secret_and_token_are_copied_through_the_worker() {
    let mut app = fixed_app();
    let out = app.update(ch('Y'));
    assert_eq!(
        out[0].1,
        Request::SavedSecret {
            name: "bart".into(),
            client_id: "3p5hau1zunkyba0aaaaaaaaaaaaaaa".into(),
        }
    );
    app.update(reply(
        out[0].0,
        Ok(Answer::SavedSecret(Some("s3cr3t".into()))),
    ));
    assert_eq!(app.copy_out, vec![("clientSecret".into(), "s3cr3t".into())]);
    app.copy_out.clear();
    let out = app.update(ch('Y'));
    app.update(reply(out[0].0, Ok(Answer::SavedSecret(None))));
    assert!(app.copy_out.is_empty());
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("No saved secret for bart")
    );
    let out = app.update(ch('T'));
    assert_eq!(out[0].1, Request::AccessToken);
    app.update(reply(
        out[0].0,
        Ok(Answer::Token(crate::protocol::Secret("tok".into()))),
    ));
    assert_eq!(app.copy_out, vec![("access token".into(), "tok".into())]);
    app.copied("access token", Ok(crate::clipboard::Method::Osc52));
    assert_eq!(
        app.flash.as_ref().unwrap().text,
        "Copied access token (OSC 52 terminal clipboard)"
    );
}

/// `build_app` on a config file of `text`.
fn app_with_config(text: &str) -> Result<App, strm_model::Invalid> {
    let dir = tempfile::tempdir().unwrap();
    let paths = strm_client::paths::Paths::under(dir.path());
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    std::fs::write(paths.config_file(), text).unwrap();
    crate::build_app(
        &crate::ConsoleOptions::default(),
        &paths,
        std::sync::Arc::new(strm_client::backend::RemoteOnly {
            paths: paths.clone(),
        }),
    )
    .map(|(app, _)| app)
}

#[test]
fn config_file_keys_drive_dispatch_help_and_hints() {
    let err = app_with_config("[keys]\nhelp = \"j\"\n")
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("config.toml: [keys]") && err.contains("j is bound to both help and down"),
        "a key bound twice stops the console: {err}"
    );
    let err = app_with_config("theme = \"dark\"\n")
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("theme") && err.contains("\"dark\"") && err.contains("default, light, mono"),
        "{err}"
    );
    let mut app =
        app_with_config("refresh_secs = 0\n[keys]\nquit = \"ctrl-q\"\nhelp = \"F1\"\n").unwrap();
    assert_eq!(app.refresh_every, None);
    app.update(ch('q'));
    assert!(!app.quit);
    app.epoch = EPOCH;
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("ctrl-q quit"), "{shown}");
    app.update(key(KeyCode::F(1)));
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("ctrl-q"), "help lists the override");
    app.popups.clear();
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

#[test]
fn the_error_log_keeps_the_newest_entries_only() {
    let mut app = fixed_app();
    for i in 0..ERROR_LOG_MAX + 25 {
        app.log_error(format!("failure {i}"));
    }
    assert_eq!(app.errors.len(), ERROR_LOG_MAX);
    assert_eq!(app.errors[0].text, "failure 25");
    assert_eq!(
        app.errors.last().unwrap().text,
        format!("failure {}", ERROR_LOG_MAX + 24)
    );
}

#[test]
fn config_file_keys_reach_the_popups() {
    let mut app = app_with_config("[keys]\ncancel = \"ctrl-g\"\nclose = [\"x\"]\n").unwrap();
    let ctrl_g = Msg::Key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL));
    app.update(ch('n'));
    app.update(key(KeyCode::Esc));
    assert!(app.form().is_some(), "esc no longer cancels");
    app.update(ctrl_g);
    assert!(app.popups.is_empty(), "the rebound key cancels");
    app.update(ch('?'));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.popups.len(), 1, "esc no longer closes the help");
    app.epoch = EPOCH;
    assert!(
        screen(&app, 120, 40).contains("x close"),
        "the hint follows"
    );
    app.update(ch('x'));
    assert!(app.popups.is_empty());
}

#[test]
fn nodes_open_from_the_command_line_and_the_header_names_the_answering_node() {
    let mut app = fixed_app();
    let out = [ch(':')]
        .into_iter()
        .chain("nodes".chars().map(ch))
        .chain([key(KeyCode::Enter)])
        .flat_map(|m| app.update(m))
        .collect::<Vec<_>>();
    assert_eq!(out[0].1, Request::ListNodes);
    // As GET /v1/nodes answers it.
    let nodes: strm_model::NodeList = serde_json::from_str(
        r#"{"nodes": [
            {"name": "api-1", "address": "http://10.0.0.1:8080", "started": 1700000000,
             "version": "0.1.0", "eventStore": "jetstream R3", "exporters": ["level0-1/s3"]},
            {"name": "api-2", "address": "http://10.0.0.2:8080", "started": 1700000000,
             "version": "0.1.0", "eventStore": "jetstream R3", "exporters": []}]}"#,
    )
    .unwrap();
    app.update(reply(0, Ok(Answer::Node("api-2".into()))));
    assert_eq!(app.node.as_deref(), Some("api-2"));
    app.update(reply(out[0].0, Ok(Answer::Nodes(nodes))));
    assert!(matches!(app.popups.last(), Some(Popup::Nodes(_))));
    snap("nodes", &app);
    app.update(key(KeyCode::Esc));
    assert!(app.popups.is_empty(), "Esc closes it like the other pagers");
    for (w, h) in [(80, 24), (120, 40)] {
        let header = screen(&app, w, h).lines().next().unwrap().to_string();
        assert!(header.contains("node api-2"), "{w}x{h}: {header}");
    }
}
