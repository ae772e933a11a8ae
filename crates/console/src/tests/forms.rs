//! Create and login forms: checks, server errors, suggested values, and their snapshots.

use super::*;

#[test]
fn create_stream_form_refuses_invalid_keeps_input_on_server_error_and_shows_secret() {
    let mut app = fixed_app();
    app.update(ch('n'));
    type_text(&mut app, "Bad");
    let out = app.update(key(KeyCode::Enter));
    assert!(out.is_empty(), "an invalid form is not sent");
    let form = app.form().unwrap();
    assert!(form.error_of(0).contains("\"Bad\" contains 'B'"));
    for _ in 0..3 {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, "web");
    let out = app.update(key(KeyCode::Enter));
    let (id, req) = out[0].clone();
    assert_eq!(
        req,
        Request::CreateStream(StreamCreate {
            name: "web".into(),
            description: None,
            tags: vec![]
        })
    );
    app.update(reply(
        id,
        Err(ClientError::Api {
            status: 409,
            message: "stream web already exists".into(),
        }),
    ));
    let form = app.form().expect("the form stays open");
    assert_eq!(form.field("name"), "web");
    assert!(
        form.server_error
            .as_ref()
            .unwrap()
            .contains("already exists")
    );
    let out = app.update(key(KeyCode::Enter));
    let (id, _) = out[0].clone();
    let created = Stream {
        name: "web".into(),
        description: None,
        tags: vec![],
        credentials: Credentials {
            client_id: "webid".into(),
            client_secret: Some("Z^H^s_Xdm!h9W".into()),
        },
    };
    app.update(reply(id, Ok(Answer::Created(Created::Stream(created)))));
    assert!(app.form().is_none());
    match app.popups.last() {
        Some(Popup::Credentials(c)) => {
            assert_eq!(c.client_secret.as_deref(), Some("Z^H^s_Xdm!h9W"));
            assert!(!c.revealed);
        }
        _ => panic!("credentials popup expected"),
    }
    app.update(ch('s'));
    app.update(ch('e'));
    assert_eq!(
        app.copy_out[0],
        ("clientSecret".into(), "Z^H^s_Xdm!h9W".into())
    );
    assert_eq!(
        app.copy_out[1].1,
        "export STRM_BILLING_ID='bart0123456789'\nexport STRM_CLIENT_ID='webid'\nexport STRM_CLIENT_SECRET='Z^H^s_Xdm!h9W'\n"
    );
}

fn open_form(app: &mut App, tab: char) {
    app.popups.clear();
    app.update(ch(tab));
    app.update(ch('n'));
}

#[test]
fn snapshot_forms_empty_invalid_and_server_error() {
    let mut app = fixed_app();
    for (tab, name, bad) in [
        ('1', "stream", vec![("name", "Bad Name"), ("tags", ",")]),
        (
            '2',
            "output",
            vec![("name", "-x"), ("consent levels", "1,-3")],
        ),
        (
            '3',
            "sink",
            vec![
                ("name", "s3"),
                ("bucket", "s3://b"),
                ("credentials JSON", "{not json"),
            ],
        ),
        (
            '4',
            "exporter",
            vec![
                ("name", "e1"),
                ("interval (s)", "5"),
                ("path prefix", "/abs"),
            ],
        ),
        ('5', "consent_level", vec![("id", "9999"), ("name", " ")]),
    ] {
        open_form(&mut app, tab);
        snap(&format!("form_{name}_empty"), &app);
        let Some(Popup::Form(form)) = app.popups.last_mut() else {
            panic!()
        };
        for (field, value) in bad {
            form.set_field(field, value);
        }
        form.submitted = true;
        snap(&format!("form_{name}_invalid"), &app);
        let Some(Popup::Form(form)) = app.popups.last_mut() else {
            panic!()
        };
        form.server_error = Some("name already taken (HTTP 409)".into());
        snap(&format!("form_{name}_server_error"), &app);
    }
    app.popups.clear();
    app.session = None;
    app.update(ch('L'));
    snap("form_login_empty", &app);
    type_text(&mut app, "no-at-sign");
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "short");
    app.update(key(KeyCode::Enter));
    snap("form_login_invalid", &app);
}

#[test]
fn a_suggested_value_is_replaced_by_typing() {
    let mut app = fixed_app();
    app.update(ch('4'));
    app.update(ch('n'));
    for _ in 0..3 {
        app.update(key(KeyCode::Tab));
    }
    type_text(&mut app, "45");
    assert_eq!(app.form().unwrap().field("interval (s)"), "45");
}
