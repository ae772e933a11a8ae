//! The rough corners of daily use (issue 10): Ctrl-C, confirmations, the type-ahead
//! race, text editing, pickers, tables, the `:` line, help paging and search, bulk
//! deletes, consent-level names, and every form and popup at the smallest size.

use super::*;
use crate::app::{CredentialsView, Pending};
use crate::forms::Input;

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn flash(app: &App) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

fn many_streams(app: &mut App, n: usize) {
    app.data.streams = (0..n)
        .map(|i| Stream {
            name: format!("s{i}"),
            description: None,
            tags: vec![],
            credentials: creds(&format!("id{i}")),
        })
        .collect();
    app.recompute_all();
}

#[test]
fn ctrl_c_quits_from_every_popup_and_field() {
    for keys in ["", "?", "E", ":", "/", "n", "nab", "d", "c", "t", "L"] {
        let mut app = fixed_app();
        type_text(&mut app, keys);
        app.update(ctrl('c'));
        assert!(app.quit, "ctrl-c after {keys:?}");
    }
}

#[test]
fn typed_name_dialogs_delete_on_enter_once_the_name_matches() {
    let mut app = fixed_app();
    app.update(ch('d'));
    type_text(&mut app, "bar");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    match app.popups.last() {
        Some(Popup::Confirm(c)) => {
            let p = c.problem.clone().unwrap();
            assert!(p.contains("\"bar\" is not bart"), "{p}");
        }
        _ => panic!("the dialog stays open and says why"),
    }
    type_text(&mut app, "t");
    let out = app.update(key(KeyCode::Enter));
    assert_eq!(out[0].1, delete_bart());
    app.update(reply(out[0].0, Ok(Answer::Deleted)));
    assert_eq!(
        flash(&app),
        "Deleted stream bart with its outputs and exporters"
    );
    // `y` in a typed-name dialog is text, not a yes.
    app.update(ch('d'));
    assert!(app.update(ch('y')).is_empty());
    assert!(matches!(app.popups.last(), Some(Popup::Confirm(c)) if c.typed == "y"));
}

#[test]
fn y_confirms_a_plain_dialog_and_the_message_names_what_went() {
    let mut app = fixed_app();
    app.update(ch('4'));
    app.update(ch('d'));
    let out = app.update(ch('y'));
    assert_eq!(
        out[0].1,
        Request::DeleteExporter {
            stream: "level0-1".into(),
            name: "s3".into(),
            export_keys: false
        }
    );
    assert!(app.popups.is_empty());
    app.update(reply(out[0].0, Ok(Answer::Deleted)));
    assert_eq!(flash(&app), "Deleted exporter s3 of level0-1");
}

#[test]
fn the_credentials_popup_belongs_to_the_row_c_was_pressed_on() {
    let mut app = fixed_app();
    // `c` then `l` in one read: the popup opens at once, so `l` lands in it.
    let out = app.update(ch('c'));
    app.update(ch('l'));
    assert_eq!(app.tab, Tab::Streams, "l did not drill in behind the popup");
    match app.popups.last() {
        Some(Popup::Credentials(c)) => {
            assert_eq!(c.name, "bart");
            assert_eq!(c.client_id, "3p5hau1zunkyba0aaaaaaaaaaaaaaa");
            assert_eq!(c.loading, Some(out[0].0));
        }
        _ => panic!("credentials popup expected"),
    }
    app.update(reply(
        out[0].0,
        Ok(Answer::SavedSecret(Some("s3cr3t".into()))),
    ));
    app.update(ch('s'));
    app.update(ch('i'));
    assert_eq!(
        app.copy_out,
        vec![
            ("clientSecret".into(), "s3cr3t".into()),
            ("clientId".into(), "3p5hau1zunkyba0aaaaaaaaaaaaaaa".into())
        ]
    );
}

#[test]
fn an_empty_value_is_never_copied() {
    let mut app = fixed_app();
    app.popups.push(Popup::Credentials(CredentialsView {
        name: "x".into(),
        billing_id: String::new(),
        client_id: String::new(),
        client_secret: None,
        revealed: false,
        just_created: false,
        loading: None,
    }));
    app.update(ch('i'));
    app.update(ch('b'));
    assert!(app.copy_out.is_empty());
    assert!(flash(&app).contains("Nothing to copy"), "{}", flash(&app));
}

#[test]
fn text_fields_edit_like_a_shell() {
    let mut app = fixed_app();
    app.update(ch('n'));
    type_text(&mut app, "web shop");
    app.update(ctrl('w'));
    assert_eq!(app.form().unwrap().field("name"), "web ");
    app.update(ctrl('z'));
    assert_eq!(app.form().unwrap().field("name"), "web shop", "undo");
    app.update(ctrl('a'));
    type_text(&mut app, "x");
    assert_eq!(app.form().unwrap().field("name"), "xweb shop");
    app.update(ctrl('e'));
    app.update(ctrl('u'));
    assert_eq!(app.form().unwrap().field("name"), "");
    // The same keys on the command line and the filter.
    app.popups.clear();
    type_text(&mut app, ":tail level");
    app.update(ctrl('w'));
    assert!(matches!(app.popups.last(), Some(Popup::Command(c)) if c.text == "tail "));
}

#[test]
fn keys_typed_while_a_login_is_sent_are_dropped_and_esc_keeps_the_email() {
    let mut app = fixed_app();
    app.session = None;
    app.update(ch('L'));
    type_text(&mut app, "bart@example.com");
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "correct horse");
    let out = app.update(key(KeyCode::Enter));
    assert!(matches!(out[0].1, Request::Login { .. }));
    type_text(&mut app, "typed-ahead");
    let Some(Popup::Form(form)) = app.popups.last() else {
        panic!()
    };
    assert_eq!(form.fields()[1].value(), "correct horse");
    app.update(reply(
        out[0].0,
        Err(ClientError::LoginRequired {
            api: "x".into(),
            reason: "wrong password".into(),
        }),
    ));
    app.update(key(KeyCode::Esc));
    assert!(app.popups.is_empty());
    app.update(ch('L'));
    assert_eq!(app.form().unwrap().field("email"), "bart@example.com");
}

#[test]
fn a_picker_narrows_to_what_is_typed_among_thousands() {
    let mut app = fixed_app();
    many_streams(&mut app, 2001);
    app.update(ch('2'));
    app.update(ch('n'));
    type_text(&mut app, "1500");
    assert_eq!(app.form().unwrap().field("stream"), "s1500");
    app.update(key(KeyCode::Right));
    assert_eq!(app.form().unwrap().field("stream"), "s1500", "one match");
    let Some(Popup::Form(form)) = app.popups.last() else {
        panic!()
    };
    let Input::Choice(c) = &form.fields()[0].input else {
        panic!()
    };
    assert_eq!((c.filter.as_str(), c.matches().len()), ("1500", 1));
    assert!(screen(&app, 80, 24).contains("/1500  1 of 2001"));
}

#[test]
fn consent_levels_are_named_where_levels_show_and_the_form_helps() {
    let mut app = fixed_app();
    app.update(ch('2'));
    assert_eq!(
        app.data.cells(Tab::Outputs, 0)[3],
        "0 necessary, 1 analytics"
    );
    app.update(ch('n'));
    let form = app.form().unwrap();
    assert!(
        form.fields()[3]
            .help
            .contains("named: 0 necessary, 1 analytics")
    );
    assert!(
        form.fields()[2].help.contains("highest level"),
        "CUMULATIVE"
    );
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Right));
    let form = app.form().unwrap();
    assert_eq!(form.field("consent type"), "GRANULAR");
    assert!(form.fields()[2].help.contains("every level listed"));
    // The next free id is offered, and typing replaces it.
    app.popups.clear();
    app.data.consent_levels.push(ConsentLevel {
        id: 3,
        name: "x".into(),
    });
    app.update(ch('5'));
    app.update(ch('n'));
    assert_eq!(app.form().unwrap().field("id"), "2");
    type_text(&mut app, "7");
    assert_eq!(app.form().unwrap().field("id"), "7");
}

#[test]
fn tables_sort_naturally_show_their_position_and_keep_the_first_match_in_view() {
    let mut app = fixed_app();
    many_streams(&mut app, 2001);
    app.update(ch('s'));
    let names: Vec<String> = app.table().rows[..4]
        .iter()
        .map(|&i| app.data.streams[i].name.clone())
        .collect();
    assert_eq!(names, ["s0", "s1", "s2", "s3"]);
    app.update(ch('G'));
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Streams (2001/2001)"), "{shown}");
    assert!(shown.contains("NAME ↑"), "the sorted column has its arrow");
    // Filtering from the bottom selects the first match, on screen.
    type_text(&mut app, "/s19");
    assert_eq!(app.table().selected, 0);
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Streams (1/111 of 2001) /s19"), "{shown}");
    assert!(shown.contains("\"│s19 "), "{shown}");
    assert!(
        shown.contains("matches NAME, DESCRIPTION, TAGS,"),
        "the filter says what it searches"
    );
}

#[test]
fn the_command_line_takes_names_and_completes_them() {
    let mut app = fixed_app();
    many_streams(&mut app, 2001);
    type_text(&mut app, ":streams s150");
    app.update(key(KeyCode::Tab));
    assert!(matches!(app.popups.last(), Some(Popup::Command(c)) if c.text == "streams s150"));
    type_text(&mut app, "0");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.tab, Tab::Streams);
    assert_eq!(
        app.data.streams[app.selected_index().unwrap()].name,
        "s1500"
    );
    // `:outputs s12` drills into the stream's outputs.
    type_text(&mut app, ":outputs s12");
    let out = app.update(key(KeyCode::Enter));
    assert_eq!((app.tab, app.scope.as_deref()), (Tab::Outputs, Some("s12")));
    assert_eq!(out[0].1, Request::ListOutputs(Some("s12".into())));
    // `:delete s12` on the streams tab asks to type its name.
    app.update(ch('1'));
    type_text(&mut app, ":delete s12");
    app.update(key(KeyCode::Enter));
    assert!(
        matches!(app.popups.last(), Some(Popup::Confirm(c)) if c.type_name.as_deref() == Some("s12"))
    );
    // `:tail` finds a stream or an output by name.
    let mut app = fixed_app();
    type_text(&mut app, ":tail level0-1");
    let out = app.update(key(KeyCode::Enter));
    assert!(matches!(&out[0].1, Request::Tail(t) if t.name == "level0-1"));
    let mut app = fixed_app();
    type_text(&mut app, ":sinks nope");
    app.update(key(KeyCode::Enter));
    assert!(
        flash(&app).contains("No sinks named \"nope\""),
        "{}",
        flash(&app)
    );
}

#[test]
fn help_pages_to_its_end_and_searches() {
    let mut app = fixed_app();
    app.update(ch('?'));
    screen(&app, 80, 24); // lays the pager out
    app.update(ch('G'));
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Commands (:)"), "the end: {shown}");
    app.update(ch('g'));
    assert!(screen(&app, 80, 24).contains("Everywhere"));
    type_text(&mut app, "/paste");
    app.update(key(KeyCode::Enter));
    let Some(Popup::Help(pager)) = app.popups.last() else {
        panic!()
    };
    assert_eq!(pager.query, "paste");
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("paste the client secret"), "{shown}");
    snap("help_search", &app);
    type_text(&mut app, "/no such words");
    app.update(key(KeyCode::Enter));
    assert!(flash(&app).contains("No match"), "{}", flash(&app));
}

#[test]
fn marked_rows_go_in_one_confirmed_bulk_delete() {
    let mut app = fixed_app();
    app.update(ch(' '));
    app.update(ch(' '));
    assert_eq!(app.marked_indices(), vec![0, 1]);
    assert!(screen(&app, 80, 24).contains("· 2 marked"));
    app.update(ch('d'));
    snap("confirm_bulk", &app);
    match app.popups.last() {
        Some(Popup::Confirm(c)) => {
            assert_eq!(c.title, "Delete 2 streams");
            assert!(
                c.lines.contains(&"bart, alpha".to_string()),
                "{:?}",
                c.lines
            );
            assert_eq!(c.type_name.as_deref(), Some("2"));
        }
        _ => panic!("bulk confirmation expected"),
    }
    type_text(&mut app, "2");
    let out = app.update(key(KeyCode::Enter));
    let Request::DeleteMany(items) = &out[0].1 else {
        panic!("{:?}", out[0].1)
    };
    assert_eq!(items.len(), 2);
    assert!(matches!(
        app.in_flight.get(&out[0].0),
        Some(Pending::DeleteMany { total: 2, .. })
    ));
    assert!(app.table().marked.is_empty());
    app.update(reply(
        out[0].0,
        Ok(Answer::DeletedMany {
            done: vec!["stream bart".into()],
            failed: vec![("stream alpha".into(), "refused (HTTP 409)".into())],
        }),
    ));
    assert_eq!(
        flash(&app),
        "Deleted 1 of 2; not deleted: stream alpha: refused (HTTP 409)"
    );
}

#[test]
fn the_detail_wraps_values_under_their_key_and_cells_end_in_an_ellipsis() {
    let mut app = fixed_app();
    app.data.streams[0].description =
        Some("web shop clicks of the whole summer sale of 2021 and of the winter sale".into());
    app.recompute_all();
    let shown = screen(&app, 120, 40);
    assert!(shown.contains(" web shop clicks …"), "{shown}");
    // The detail pane is right of the table: its rows after `││`.
    let detail: Vec<&str> = shown
        .lines()
        .filter_map(|l| {
            l.split_once("││")
                .map(|(_, d)| d.trim_end_matches(['"', '│']))
        })
        .collect();
    let at = detail
        .iter()
        .position(|r| r.contains("\"description\":"))
        .unwrap();
    for row in &detail[at + 1..at + 3] {
        assert!(
            row.starts_with("    ") && !row.starts_with("     "),
            "continued under the key, not at column 0: {row:?} in {detail:#?}"
        );
    }
}

#[test]
fn long_messages_wrap_instead_of_being_cut() {
    let mut app = fixed_app();
    app.update(ch('3'));
    app.update(ch('n'));
    let Some(Popup::Form(form)) = app.popups.last_mut() else {
        panic!()
    };
    form.set_field("credentials JSON", "{\"AccessKey\": {}}");
    form.submitted = true;
    let err = form.error_of(4);
    let shown = screen(&app, 80, 24);
    // The end of the message (the shape the file should have) is on the screen.
    let tail: String = err
        .chars()
        .rev()
        .take(20)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let flat: String = shown
        .lines()
        .map(|l| l.trim_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains(tail.trim()), "{tail:?} in {shown}");
    // A long flash wraps over the message rows.
    app.popups.clear();
    app.flash(crate::app::Level::Error, "x ".repeat(70));
    let shown = screen(&app, 80, 24);
    assert_eq!(
        shown.lines().filter(|l| l.contains("x x x")).count(),
        2,
        "{shown}"
    );
}

#[test]
fn every_form_and_popup_fits_the_smallest_console() {
    let (w, h) = (crate::views::MIN_WIDTH, crate::views::MIN_HEIGHT);
    for (tab, name) in ['1', '2', '3', '4', '5'].iter().zip([
        "stream",
        "output",
        "sink",
        "exporter",
        "consent_level",
    ]) {
        let mut app = fixed_app();
        app.update(ch(*tab));
        app.update(ch('n'));
        let n = app.form().unwrap().fields().len();
        for i in 0..n {
            let label = app.form().unwrap().fields()[i].label;
            let shown = screen(&app, w, h);
            assert!(
                shown.lines().any(|l| l
                    .trim_matches('"')
                    .trim_start_matches('│')
                    .trim_start()
                    .starts_with(label)),
                "{name}: field {label} in sight at {w}×{h}:\n{shown}"
            );
            app.update(key(KeyCode::Tab));
        }
        insta::assert_snapshot!(format!("small_form_{name}"), screen(&app, w, h));
    }
    let mut app = fixed_app();
    for (keys, name, shows) in [
        ("c", "credentials", "clientSecret"),
        ("d", "confirm", "[ Cancel ]"),
        ("?", "help", "Everywhere"),
        ("E", "errors", "Nothing went wrong"),
        (":", "command", ":"),
        ("t", "tail", "Tail of stream bart"),
    ] {
        app.popups.clear();
        type_text(&mut app, keys);
        let shown = screen(&app, w, h);
        assert!(shown.contains(shows), "{name} at {w}×{h}:\n{shown}");
        insta::assert_snapshot!(format!("small_popup_{name}"), shown);
    }
    // The login form, and the client secret asked for a tail.
    app.popups.clear();
    app.update(ch('L'));
    let shown = screen(&app, w, h);
    assert!(
        shown.contains("email") && shown.contains("password"),
        "{shown}"
    );
    insta::assert_snapshot!("small_form_login", shown);
    app.popups.clear();
    app.popups
        .push(Popup::Form(Box::new(crate::forms::secret_form(
            crate::protocol::TailTarget {
                name: "bart".into(),
                client_id: "3p5hau1zunkyba0aaaaaaaaaaaaaaa".into(),
                output_of: None,
            },
        ))));
    let shown = screen(&app, w, h);
    assert!(
        shown.contains("clientSecret") && shown.contains("saved 0600"),
        "{shown}"
    );
    insta::assert_snapshot!("small_form_secret", shown);
}
