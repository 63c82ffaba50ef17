//! `mamori user …`: manage users without the browser.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;
use mamori_app::auth::setup::{self, SetupError, SetupForm};
use mamori_app::db::Db;
use mamori_app::kernel::{Actor, Role};
use mamori_app::users::store::{self as users, NewUser, UserError};

use crate::Failure;

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Add a user (prints a generated password unless --password-stdin is given)
    Add {
        #[arg(long)]
        login: String,
        /// Display name (氏名)
        #[arg(long)]
        name: String,
        /// admin, staff, viewer or vendor
        #[arg(long, default_value = "staff")]
        role: String,
        /// Vendor company, for --role vendor
        #[arg(long, default_value = "")]
        vendor: String,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
        /// Hospital name, to set mamori up without the setup link (first admin only)
        #[arg(long)]
        facility_name: Option<String>,
    },
    /// List users
    List,
    /// Disable a user (users are never deleted)
    Disable { login: String },
    /// Enable a disabled user again
    Enable { login: String },
    /// Set a new password (prints a generated one unless --password-stdin is given)
    ResetPassword {
        login: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user's two-factor authentication so they enrol again
    #[command(name = "reset-2fa")]
    Reset2fa { login: String },
    /// Lift the sign-in limit after failed attempts, so the user can sign in at once
    Unlock { login: String },
}

pub(crate) fn read_password(from_stdin: bool) -> Result<(String, bool), Failure> {
    if from_stdin {
        if std::io::stdin().is_terminal() {
            eprintln!("Type the password and press Enter (it will be shown):");
        }
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            Failure::new(format!("cannot read the password from standard input: {e}"))
        })?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        Ok((password, false))
    } else {
        Ok((generated_password(), true))
    }
}

/// A 20-character password from an unambiguous alphabet.
pub(crate) fn generated_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    mamori_app::auth::secrets::fill_random(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

pub(crate) fn user_error(e: UserError) -> Failure {
    match e {
        UserError::Invalid { field, key } => {
            let tr = mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::En);
            Failure::new(format!("{field}: {}", tr.t(key)))
        }
        other => Failure::new(other),
    }
}

pub(crate) async fn find_user(db: &Db, login: &str) -> Result<mamori_app::kernel::User, Failure> {
    users::by_login(db, login)
        .await
        .map_err(Failure::new)?
        .ok_or_else(|| {
            Failure::new(format!(
                "no user with the login `{login}` (see `mamori user list`)"
            ))
        })
}

pub(crate) async fn user_command(db: &Db, command: &UserCommand) -> Result<(), Failure> {
    let facility = mamori_app::facility::store::first(db)
        .await
        .map_err(Failure::new)?;
    let actor = Actor::command_line(facility.as_ref().map(|f| f.id));
    match command {
        UserCommand::Add {
            login,
            name,
            role,
            vendor,
            password_stdin,
            facility_name,
        } => {
            let (password, generated) = read_password(*password_stdin)?;
            let new = NewUser {
                login: login.clone(),
                display_name: name.clone(),
                role: role.clone(),
                vendor_name: vendor.clone(),
                password: password.clone(),
            };
            if facility.is_none() {
                let Some(facility_name) = facility_name else {
                    return Err(Failure::new(
                        "mamori is not set up yet: open the setup link printed by `mamori serve`, or pass --facility-name to create the hospital and its first administrator here",
                    ));
                };
                if Role::parse(role) != Some(Role::Admin) {
                    return Err(Failure::new(
                        "the first user must be an administrator: use --role admin",
                    ));
                }
                let form = SetupForm {
                    facility_name: facility_name.clone(),
                    user: new,
                    password_confirm: password.clone(),
                };
                setup::complete(db, None, &form, "local")
                    .await
                    .map_err(|e| match e {
                        SetupError::Invalid(problems) => {
                            let tr = mamori_app::i18n::Tr::new(mamori_app::i18n::Lang::En);
                            Failure::new(
                                problems
                                    .iter()
                                    .map(|(field, key)| format!("{field}: {}", tr.t(key)))
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            )
                        }
                        SetupError::AlreadyDone => Failure::new("mamori is already set up"),
                        SetupError::BadToken => Failure::new("the setup link is not valid"),
                        SetupError::Failed(e) => user_error(e),
                    })?;
            } else {
                users::create(db, &actor, &new).await.map_err(user_error)?;
            }
            say!("Added user {login} ({role}).");
            if generated {
                say!("Password (shown once, give it to the user safely): {password}");
            }
            Ok(())
        }
        UserCommand::List => {
            let Some(facility) = facility else {
                say!("No users yet: mamori is not set up.");
                return Ok(());
            };
            let list = users::list(db, facility.id).await.map_err(Failure::new)?;
            say!(
                "{:<24} {:<8} {:<4} {:<9} NAME",
                "LOGIN",
                "ROLE",
                "2FA",
                "STATUS"
            );
            for u in list {
                let vendor = u
                    .vendor_name
                    .as_ref()
                    .map(|v| format!(" [{v}]"))
                    .unwrap_or_default();
                say!(
                    "{:<24} {:<8} {:<4} {:<9} {}{}",
                    u.login,
                    u.role.as_str(),
                    if u.has_totp() { "yes" } else { "no" },
                    if u.disabled { "disabled" } else { "active" },
                    u.display_name,
                    vendor
                );
            }
            Ok(())
        }
        UserCommand::Disable { login } | UserCommand::Enable { login } => {
            let disable = matches!(command, UserCommand::Disable { .. });
            let user = find_user(db, login).await?;
            users::set_disabled(db, &actor, user.id, disable)
                .await
                .map_err(user_error)?;
            say!("{} {login}.", if disable { "Disabled" } else { "Enabled" });
            Ok(())
        }
        UserCommand::ResetPassword {
            login,
            password_stdin,
        } => {
            let user = find_user(db, login).await?;
            let (password, generated) = read_password(*password_stdin)?;
            users::reset_password(db, &actor, user.id, &password)
                .await
                .map_err(user_error)?;
            say!("New password set for {login}; their sessions were ended.");
            if generated {
                say!("Password (shown once, give it to the user safely): {password}");
            }
            Ok(())
        }
        UserCommand::Reset2fa { login } => {
            let user = find_user(db, login).await?;
            users::reset_totp(db, &actor, user.id)
                .await
                .map_err(user_error)?;
            say!("Two-factor authentication removed for {login}; they will enrol again.");
            Ok(())
        }
        UserCommand::Unlock { login } => {
            let user = find_user(db, login).await?;
            let cleared = users::unlock(db, &actor, user.id)
                .await
                .map_err(user_error)?;
            say!("Sign-in limit lifted for {login} ({cleared} failed attempts cleared).");
            Ok(())
        }
    }
}
