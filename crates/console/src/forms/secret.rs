//! The client secret of a stream or output created elsewhere (the API showed it only
//! there), pasted once so that this machine can tail it; the worker checks it with the
//! data plane before saving it (0600) with the others.

use super::{Field, Fields, Form, FormKind, form_fields};
use crate::protocol::{Request, Secret, TailTarget};
use strm_model::rules::Invalid;

pub struct SecretForm {
    target: TailTarget,
    secret: Field,
}

impl Fields for SecretForm {
    form_fields!("Client secret", secret);

    fn check(&mut self) -> Option<Request> {
        let secret = self.secret.trimmed();
        self.secret.error = secret.is_empty().then(|| {
            Invalid::new(
                "clientSecret",
                "is empty",
                "paste the clientSecret the API showed when it was created",
            )
            .to_string()
        });
        self.secret.error.is_none().then(|| Request::SaveSecret {
            target: self.target.clone(),
            secret: Secret(secret),
        })
    }
}

/// Asks for the secret of `target`; its clientId is the one the API lists.
pub fn secret_form(target: TailTarget) -> Form {
    let mut secret = Field::secret("clientSecret", "");
    secret.help = format!(
        "of {} (clientId {}); saved 0600 for later tails",
        target.describe(),
        target.client_id
    )
    .into();
    Form::new(FormKind::Secret, SecretForm { target, secret })
}
