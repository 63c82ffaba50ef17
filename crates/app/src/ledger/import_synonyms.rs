//! The other names people give ledger columns and choice values in their own spreadsheets
//! (ベンダー for 保守業者, サーバー for server…), beyond the Japanese and English labels. Data the
//! import reads; add a row when a hospital's file uses a name not yet here.

use super::import::ID_FIELD;

/// Other names people give the columns, beyond the Japanese and English labels.
pub const HEADER_SYNONYMS: &[(&str, &[&str])] = &[
    (ID_FIELD, &["id", "mamori id", "台帳id", "台帳番号"]),
    (
        "kind",
        &[
            "種別",
            "機器種別",
            "種類",
            "区分",
            "分類",
            "type",
            "category",
        ],
    ),
    (
        "name",
        &[
            "機器名",
            "機器名称",
            "名称",
            "端末名",
            "装置名",
            "name",
            "device",
            "device name",
        ],
    ),
    (
        "asset_number",
        &[
            "資産番号",
            "資産管理番号",
            "管理番号",
            "備品番号",
            "固定資産番号",
            "asset",
            "asset number",
            "asset no",
            "asset tag",
        ],
    ),
    (
        "maker",
        &[
            "メーカー",
            "メーカ",
            "製造元",
            "製造者",
            "manufacturer",
            "maker",
        ],
    ),
    (
        "model",
        &["型番", "型式", "機種", "機種名", "モデル", "model"],
    ),
    (
        "serial_number",
        &[
            "シリアル",
            "シリアル番号",
            "製造番号",
            "serial",
            "serial number",
            "s/n",
        ],
    ),
    (
        "os_name",
        &["os", "os/fw", "ファームウェア", "firmware", "os name"],
    ),
    (
        "os_version",
        &[
            "バージョン",
            "osバージョン",
            "fwバージョン",
            "version",
            "os version",
            "firmware version",
        ],
    ),
    ("cpes", &["cpe", "cpes", "cpe名", "cpe 2.3"]),
    (
        "location",
        &["設置場所", "場所", "設置先", "location", "place"],
    ),
    (
        "department",
        &[
            "所属部署",
            "部署",
            "部門",
            "使用部署",
            "設置部署",
            "department",
            "dept",
        ],
    ),
    (
        "systems",
        &["所属システム", "システム", "system", "systems"],
    ),
    (
        "manager",
        &["管理責任者", "管理者", "責任者", "manager", "owner"],
    ),
    ("users", &["利用者", "使用者", "user", "users"]),
    (
        "maintenance_vendor",
        &[
            "保守事業者",
            "保守業者",
            "保守会社",
            "保守ベンダ",
            "保守ベンダー",
            "maintenance vendor",
            "maintenance",
        ],
    ),
    (
        "hostname",
        &[
            "ホスト名",
            "コンピュータ名",
            "コンピューター名",
            "hostname",
            "host name",
            "host",
        ],
    ),
    (
        "ip_addresses",
        &["ipアドレス", "ip", "ip address", "address"],
    ),
    ("mac_addresses", &["macアドレス", "mac", "mac address"]),
    (
        "segment",
        &[
            "セグメント",
            "ネットワーク",
            "ネットワークセグメント",
            "segment",
            "network",
        ],
    ),
    ("external_connection", &["外部接続", "external connection"]),
    (
        "remote_maintenance",
        &["リモート保守", "リモートメンテナンス", "remote maintenance"],
    ),
    (
        "end_of_support",
        &[
            "サポート終了日",
            "サポート期限",
            "保守期限",
            "eos",
            "eol",
            "end of support",
        ],
    ),
    (
        "last_patched",
        &[
            "最終パッチ適用日",
            "パッチ適用日",
            "last patched",
            "patched",
        ],
    ),
    ("status", &["状態", "ステータス", "稼働状況", "status"]),
    (
        "last_confirmed",
        &["最終確認日", "棚卸日", "確認日", "last confirmed"],
    ),
    (
        "notes",
        &["備考", "メモ", "notes", "note", "remarks", "comment"],
    ),
    (
        "cidrs",
        &["cidr", "アドレス範囲", "サブネット", "subnet", "range"],
    ),
    ("vlan", &["vlan", "vlan id"]),
    ("reaches", &["通信先", "通信してよい相手", "reaches"]),
    ("purpose", &["用途", "目的", "purpose"]),
    ("patient_data", &["患者情報", "patient data"]),
    ("sensitive_data", &["要配慮個人情報", "sensitive data"]),
    (
        "owner_department",
        &["主管部署", "担当部署", "owner department"],
    ),
    ("vendor", &["ベンダ", "ベンダー", "事業者", "vendor"]),
    ("importance", &["重要度", "importance"]),
];

/// Other ways people write choice values, by stored code.
pub const CHOICE_SYNONYMS: &[(&str, &[&str])] = &[
    ("server", &["サーバー", "サーバ", "srv"]),
    (
        "pc",
        &[
            "端末",
            "パソコン",
            "pc",
            "クライアント",
            "client",
            "pc端末",
            "terminal",
        ],
    ),
    (
        "network",
        &[
            "ネットワーク",
            "nw",
            "ルータ",
            "ルーター",
            "スイッチ",
            "router",
            "switch",
            "firewall",
            "ファイアウォール",
        ],
    ),
    ("medical", &["医療", "医療機器", "モダリティ"]),
    (
        "other",
        &["その他", "プリンタ", "プリンター", "printer", "iot"],
    ),
    ("none", &["なし", "無", "無し", "-", "ー", "×"]),
    ("internet", &["インターネット", "internet"]),
    ("leased", &["専用線", "leased line"]),
    (
        "yes",
        &["有", "あり", "有り", "○", "〇", "はい", "y", "true", "1"],
    ),
    (
        "no",
        &["無", "なし", "無し", "×", "いいえ", "n", "false", "0"],
    ),
    ("unknown", &["不明", "?", "？", "未確認"]),
    ("active", &["稼働", "稼働中", "使用中", "運用中", "in use"]),
    ("spare", &["予備", "保管"]),
    ("retiring", &["廃棄予定"]),
    ("retired", &["廃棄済", "廃棄済み", "廃棄", "disposed"]),
    ("essential", &["必須", "診療継続に必須"]),
    ("important", &["重要"]),
];
