//! The login form: email and a masked password.

use super::check::msg;
use super::{Field, Fields, Form, FormKind};
use crate::protocol::{Request, Secret};
use strm_model::rules;

pub struct LoginForm {
    email: Field,
    password: Field,
}

impl Fields for LoginForm {
    fn title(&self) -> &'static str {
        "Log in"
    }

    fn fields(&self) -> Vec<&Field> {
        vec![&self.email, &self.password]
    }

    fn fields_mut(&mut self) -> Vec<&mut Field> {
        vec![&mut self.email, &mut self.password]
    }

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
