//! Password policy (NIST SP 800-63B). Temporary stub; replaced by the full policy.
use secrecy::SecretString;
pub struct PasswordPolicy {
    min: usize,
}
pub struct PasswordContext {
    pub email_local_part: String,
    pub tenant_name: String,
    pub extra_words: Vec<String>,
}
pub struct NewPassword(SecretString);
impl NewPassword {
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}
#[derive(Debug, thiserror::Error)]
pub enum PasswordRejection {
    #[error("Use at least {0} characters.")]
    TooShort(usize),
}
impl PasswordPolicy {
    pub fn new(min: usize) -> Self {
        Self { min }
    }
    pub fn check(
        &self,
        c: &str,
        _confirm: &str,
        _ctx: &PasswordContext,
    ) -> Result<NewPassword, PasswordRejection> {
        if c.chars().count() < self.min {
            return Err(PasswordRejection::TooShort(self.min));
        }
        Ok(NewPassword(SecretString::from(c.to_string())))
    }
}
