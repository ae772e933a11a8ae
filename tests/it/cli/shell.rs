//! The CLI in a terminal: the interactive login.

use super::{Home, server};
use crate::support::{EMAIL, PASSWORD, strm_tui};

#[tokio::test(flavor = "multi_thread")]
async fn interactive_login_offers_the_last_email_and_hides_the_password() {
    use expectrl::Expect;
    let server = server().await;
    let home = Home::signed_in(&server);

    let mut cmd = strm_tui(home.dir.path());
    cmd.args(["--api-url", &server.url(), "auth", "login"]);
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
