//! The login form: email and a masked password.

use super::check::msg;
use super::{Field, Fields, Form, FormKind, form_fields};
use crate::protocol::{Request, Secret};
use strm_model::rules;

pub struct LoginForm {
    email: Field,
    password: Field,
}

impl Fields for LoginForm {
    form_fields!("Log in", email, password);

    fn check(&mut self) -> Option<Request> {
        let email = self.email.trimmed();
        let password = self.password.value();
        self.email.error = msg(rules::check_email(&email));
        self.password.error = msg(rules::check_password(&password));
        (self.email.error.is_none() && self.password.error.is_none()).then_some(Request::Login {
            email,
            password: Secret(password),
        })
    }
}

pub fn login_form(email: &str) -> Form {
    let mut form = Form::new(
        FormKind::Login,
        LoginForm {
            email: Field::text("email", "", email),
            password: Field::secret("password", "hidden while typed"),
        },
    );
    if !email.is_empty() {
        form.focus = 1;
    }
    form
}
