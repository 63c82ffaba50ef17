//! Store-level tests: the rooms' public functions called directly (no HTTP), each run on SQLite
//! and on PostgreSQL by the same code, so a query that only one database accepts fails here.

use mamori_app::auth::setup::{self, SetupForm};
use mamori_app::db::Db;
use mamori_app::kernel::Actor;
use mamori_app::users::api::NewUser;

use crate::kit::{ADMIN_LOGIN, ADMIN_PASSWORD, Backend, TestDb};

/// A freshly set-up database (one facility, its first administrator) and that administrator.
pub struct Store {
    pub db: Db,
    pub admin: Actor,
    test_db: TestDb,
}

impl Store {
    /// `None` when the backend cannot run here (PostgreSQL outside CI, said by the kit).
    pub async fn open(backend: Backend) -> Option<Store> {
        let test_db = TestDb::new(backend).await?;
        let db = test_db.open().await;
        let form = SetupForm {
            facility_name: "みなと病院".into(),
            user: NewUser {
                login: ADMIN_LOGIN.into(),
                display_name: "管理 太郎".into(),
                role: "admin".into(),
                vendor_name: String::new(),
                password: ADMIN_PASSWORD.into(),
            },
            password_confirm: ADMIN_PASSWORD.into(),
        };
        let user_id = setup::complete(&db, None, &form, "127.0.0.1")
            .await
            .unwrap();
        let user = mamori_app::users::api::by_id(&db, user_id)
            .await
            .unwrap()
            .unwrap();
        Some(Store {
            admin: user.actor("127.0.0.1"),
            db,
            test_db,
        })
    }

    pub fn facility(&self) -> i64 {
        self.admin.facility_id.unwrap()
    }

    pub async fn close(self) {
        self.db.close().await;
        self.test_db.drop_database().await;
    }
}

/// Runs a store test on both databases: `store_test!(name)` for `async fn name(s: &Store)`.
macro_rules! store_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::run(crate::kit::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::run(crate::kit::Backend::Postgres, super::$name).await;
            }
        }
    };
}

async fn run<F>(backend: Backend, test: F)
where
    F: for<'a> AsyncFn(&'a Store),
{
    let Some(store) = Store::open(backend).await else {
        return;
    };
    test(&store).await;
    store.close().await;
}

store_test!(vendors_are_made_once_and_named_by_id);
store_test!(users_carry_their_vendor_name);
store_test!(a_totp_step_and_a_recovery_code_count_once);
store_test!(meta_values_are_set_and_replaced);
store_test!(commits_are_chained_and_wake_the_jobs);
store_test!(ledger_counts_names_and_match_inputs);
store_test!(vendor_forms_sort_by_vendor_name);

async fn vendors_are_made_once_and_named_by_id(s: &Store) {
    let mut w = s.db.write().await.unwrap();
    let a = mamori_app::vendors::api::for_name(&mut w, &s.admin, s.facility(), "日本電算")
        .await
        .unwrap();
    let again = mamori_app::vendors::api::for_name(&mut w, &s.admin, s.facility(), "日本電算")
        .await
        .unwrap();
    let b = mamori_app::vendors::api::for_name(&mut w, &s.admin, s.facility(), "ミナト保守")
        .await
        .unwrap();
    w.commit().await.unwrap();
    assert_eq!(a, again);
    assert_ne!(a, b);
    let names = mamori_app::vendors::api::names(&s.db, &[b, a, a, 999_999])
        .await
        .unwrap();
    assert_eq!(
        names.len(),
        2,
        "unknown ids are left out, repeats count once"
    );
    assert_eq!(names[&a], "日本電算");
    assert_eq!(
        mamori_app::vendors::api::find(&s.db, s.facility(), "ミナト保守")
            .await
            .unwrap(),
        Some(b)
    );
    assert!(
        mamori_app::vendors::api::names(&s.db, &[])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn users_carry_their_vendor_name(s: &Store) {
    let id = mamori_app::users::store::create(
        &s.db,
        &s.admin,
        &NewUser {
            login: "vendor1".into(),
            display_name: "保守 一郎".into(),
            role: "vendor".into(),
            vendor_name: "日本電算".into(),
            password: "vendor-password-123".into(),
        },
    )
    .await
    .unwrap();
    let by_id = mamori_app::users::api::by_id(&s.db, id)
        .await
        .unwrap()
        .unwrap();
    let by_login = mamori_app::users::api::by_login(&s.db, "vendor1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_id.vendor_name.as_deref(), Some("日本電算"));
    assert_eq!(by_login.vendor_id, by_id.vendor_id);
    let all = mamori_app::users::api::list(&s.db, s.facility())
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let admin = all.iter().find(|u| u.login == ADMIN_LOGIN).unwrap();
    assert_eq!(admin.vendor_name, None);
    assert!(
        mamori_app::users::api::by_login(&s.db, "nobody")
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_totp_step_and_a_recovery_code_count_once(s: &Store) {
    let id = s.admin.user_id.unwrap();
    assert!(
        mamori_app::users::api::advance_totp_step(&s.db, id, 100)
            .await
            .unwrap()
    );
    assert!(
        !mamori_app::users::api::advance_totp_step(&s.db, id, 100)
            .await
            .unwrap(),
        "the same step twice is a replay"
    );
    assert!(
        !mamori_app::users::api::advance_totp_step(&s.db, id, 99)
            .await
            .unwrap()
    );
    // Enrol for real to get recovery codes, then spend one twice.
    let user = mamori_app::users::api::by_id(&s.db, id)
        .await
        .unwrap()
        .unwrap();
    let secret = mamori_app::users::two_factor::pending_secret(&s.db, &user)
        .await
        .unwrap();
    let code = crate::kit::next_totp_code(&secret);
    let codes = mamori_app::users::two_factor::confirm(&s.db, &s.admin, &code)
        .await
        .unwrap();
    assert_eq!(
        mamori_app::users::api::recovery_codes_left(&s.db, id)
            .await
            .unwrap(),
        codes.len() as i64
    );
    let hash = mamori_app::auth::secrets::hash_token(
        &mamori_app::auth::secrets::normalize_recovery_code(&codes[0]),
    );
    for expected in [true, false] {
        let mut w = s.db.write().await.unwrap();
        let spent = mamori_app::users::api::spend_recovery_code(&mut w, id, &hash)
            .await
            .unwrap();
        w.commit().await.unwrap();
        assert_eq!(spent, expected);
    }
    assert_eq!(
        mamori_app::users::api::recovery_codes_left(&s.db, id)
            .await
            .unwrap(),
        codes.len() as i64 - 1
    );
}

async fn meta_values_are_set_and_replaced(s: &Store) {
    use mamori_app::db::meta;
    assert_eq!(meta::get(&s.db, "test_key").await.unwrap(), None);
    meta::set(&s.db, "test_key", "一").await.unwrap();
    meta::set(&s.db, "test_key", "二").await.unwrap();
    assert_eq!(
        meta::get(&s.db, "test_key").await.unwrap().as_deref(),
        Some("二")
    );
    assert_eq!(
        meta::get(&s.db, "application").await.unwrap().as_deref(),
        Some("mamori")
    );
}

async fn commits_are_chained_and_wake_the_jobs(s: &Store) {
    use mamori_app::db::audit::{self, Event};
    let before = audit::last_seq(&s.db).await.unwrap();
    let mut commits = s.db.commits();
    let waiter = tokio::spawn(async move { commits.changed().await });
    let w = s.db.write().await.unwrap();
    audit::commit_with(w, &s.admin, Event::new("update", "facility", s.facility()))
        .await
        .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
        .await
        .expect("a commit wakes the background jobs")
        .unwrap()
        .unwrap();
    assert_eq!(audit::last_seq(&s.db).await.unwrap(), before + 1);
    let verified = audit::verify(&s.db).await.unwrap();
    assert!(verified.problem.is_none(), "{:?}", verified.problem);
}

async fn ledger_counts_names_and_match_inputs(s: &Store) {
    use mamori_app::ledger::api;
    for (name, kind, cpes, status) in [
        (
            "本館FortiGate",
            "network",
            "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*",
            "active",
        ),
        ("受付PC", "pc", "", "active"),
        (
            "旧サーバ",
            "server",
            "cpe:2.3:o:microsoft:windows_server_2012:-:*:*:*:*:*:*:*",
            "retired",
        ),
    ] {
        let values = vec![
            ("name", name.to_string()),
            ("kind", kind.to_string()),
            ("cpes", cpes.to_string()),
            ("status", status.to_string()),
        ];
        mamori_app::ledger::store::create(&s.db, &s.admin, &values)
            .await
            .unwrap();
    }
    let summary = mamori_app::ledger::store::summary(&s.db, s.facility())
        .await
        .unwrap();
    assert_eq!(summary.in_use, 2, "a retired device is not in use");
    let names = api::device_names(&s.db, s.facility()).await.unwrap();
    assert_eq!(names.len(), 3, "names cover retired devices too");
    let inputs = api::match_inputs(&s.db, s.facility()).await.unwrap();
    assert_eq!(
        inputs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["本館FortiGate"],
        "only devices in use that name a CPE are matched"
    );
    let facts = mamori_app::ledger::facts::ledger_facts(&s.db, s.facility())
        .await
        .unwrap();
    assert_eq!(facts.count_of("network"), 1);
    assert_eq!(facts.missing_key_fields.count, 2);
    assert_eq!(
        facts.missing_key_fields.sample[0].href(),
        format!("/ledger/{}", facts.missing_key_fields.sample[0].id)
    );
}

async fn vendor_forms_sort_by_vendor_name(s: &Store) {
    use mamori_app::checklist::forms;
    forms::start_year(&s.db, &s.admin, 2025, "r7")
        .await
        .unwrap();
    for (vendor, system) in [
        ("ミナト保守", "PACS"),
        ("アルファ医療", "電子カルテ"),
        ("アルファ医療", "オーダ"),
    ] {
        forms::add_vendor_form(&s.db, &s.admin, 2025, vendor, system)
            .await
            .unwrap();
    }
    let all = forms::forms_of_year(&s.db, s.facility(), 2025)
        .await
        .unwrap();
    let order: Vec<(String, String)> = all
        .iter()
        .map(|f| (f.vendor_name.clone(), f.system_name.clone()))
        .collect();
    assert_eq!(
        order,
        [
            (String::new(), String::new()),
            ("アルファ医療".into(), "オーダ".into()),
            ("アルファ医療".into(), "電子カルテ".into()),
            ("ミナト保守".into(), "PACS".into()),
        ],
        "the hospital form first, then vendor forms by vendor and system"
    );
}
