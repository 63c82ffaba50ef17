//! Suggesting CPE names for a device of the ledger (台帳), from what staff typed about it.
//!
//! Staff know a device by its maker (メーカー), model (型番) and operating system, written in
//! Japanese or English, in full-width or half-width characters: "フォーティネット" /
//! "FortiGate 60E" / "FortiOS". Vulnerabilities are found by CPE name
//! (`cpe:2.3:o:fortinet:fortios:…`), which staff do not know. This module ranks the products of
//! a catalogue built from NVD's CPE dictionary against a device, and says why, so staff can pick
//! one; it never picks for them.
//!
//! Choices:
//! - The vendor must agree for a confident suggestion: the model's with the maker, the OS's
//!   with the maker or with the vendor the OS name implies (Windows → microsoft, whatever the
//!   server's maker). Makers are recognised by their CPE vendor name or by [`MAKER_ALIASES`],
//!   a table of Japanese and English spellings. An unrecognised or empty maker still gets
//!   suggestions, scored lower.
//! - Products are matched by words. A product's words come from its CPE name (`fortigate-60c`
//!   gives `fortigate`, `60c`) and its title; a typed word matches a product word exactly,
//!   joined with its neighbour (`Express 5800` ↔ `express5800`), as initials (`ASA` ↔
//!   `adaptive_security_appliance`), by the title alone (weaker), or by a shared beginning
//!   (`60E` ↔ `60c`, weaker still). The score weighs how much of what was typed matched and how
//!   much of the product's name was matched.
//! - A version typed into a name (`ASA Software 9.8(4)15`) only counts when the product's name
//!   holds it (`Windows 8.1` ↔ `windows_8.1`); otherwise it costs a little.
//! - The suggested names carry no version: an operating system's version is kept in one place,
//!   the device's OS version, and substituted when matching, so `o` and `a` names end in `*`;
//!   hardware names have version `-` (NA), as NVD names hardware.
//! - A model suits hardware (`h`), an OS name an operating system (`o`); other parts score a
//!   little lower rather than not at all, since NVD files some firmware as `o` and some
//!   operating software as `a` (Cisco's ASA Software is both).
//! - The score is the vendor's factor (1 agreed, 0.55 unknown, 0.2 contradicted) times the
//!   word match times the part's fit. The maker's products that match no word are still
//!   offered, at 0.1, so staff can browse them when the dictionary lacks the model.
//! - Pure and indexed: [`Catalogue::new`] tokenises every product once; a suggestion looks up
//!   only the products sharing a word with the device or belonging to its maker (about 1 ms
//!   over 107,000 products in a release build).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::cpe::{self, Value, Wfn};
use crate::cpe_dictionary::Item;

/// What the ledger says of a device. Any field may be empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Device<'a> {
    /// メーカー, e.g. "Fortinet", "フォーティネット", "富士通株式会社".
    pub maker: &'a str,
    /// 型番 / 機種, e.g. "FortiGate 60E", "PRIMERGY RX2540 M4".
    pub model: &'a str,
    /// e.g. "FortiOS", "Windows Server 2019", "ASA Software 9.8(4)15".
    pub os_name: &'a str,
    /// e.g. "6.0.4". Not used for ranking: it is substituted into the chosen name at match time.
    pub os_version: &'a str,
}

/// One product of the catalogue: a distinct part:vendor:product, with one title.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Product {
    /// 'a' (application), 'o' (operating system) or 'h' (hardware).
    pub part: char,
    /// The CPE vendor as plain text, without CPE quoting, e.g. `fortinet`.
    pub vendor: String,
    /// The CPE product as plain text, e.g. `fortigate-60c`, `windows_8.1`.
    pub product: String,
    /// A title without version, e.g. "Fortinet FortiOS"; may be empty.
    pub title: String,
}

impl Product {
    /// The product an item of the dictionary names, its title cut before the item's version
    /// ("Fortinet FortiOS 5.2.3" gives "Fortinet FortiOS"). None for a deprecated item (NVD
    /// lists its replacement) and for a name whose vendor or product is not literal text.
    pub fn from_item(item: &Item) -> Option<Product> {
        if item.deprecated {
            return None;
        }
        let wfn = cpe::parse_fs(&item.cpe23).ok()?;
        let part = wfn.part.as_text()?.chars().next()?;
        let vendor = wfn.vendor.plain()?.to_lowercase();
        let product = wfn.product.plain()?.to_lowercase();
        let mut title = item.title_en.trim().to_string();
        if let Some(version) = wfn.version.plain() {
            // ASCII lower case keeps byte offsets, so a cut found in `lower` fits `title`.
            let lower = title.to_ascii_lowercase();
            let version = version.to_ascii_lowercase();
            // The version as a word of its own: "FortiOS 5.2.3 (…)" cut at " 5.2.3".
            let cut = lower.match_indices(&version).map(|(at, _)| at).find(|&at| {
                at > 0
                    && lower[..at].ends_with(' ')
                    && lower[at + version.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_ascii_alphanumeric())
            });
            if let Some(at) = cut {
                title.truncate(at);
            }
        }
        Some(Product {
            part,
            vendor,
            product,
            title: title.trim().to_string(),
        })
    }
}

/// One product per part:vendor:product, keeping the shortest title (the one with the least
/// edition or platform detail: "Microsoft Windows 10" over "Microsoft Windows 10 64-bit").
pub fn distinct_products(products: impl IntoIterator<Item = Product>) -> Vec<Product> {
    let mut by_key: BTreeMap<(char, String, String), String> = BTreeMap::new();
    for p in products {
        let title = p.title;
        by_key
            .entry((p.part, p.vendor, p.product))
            .and_modify(|kept| {
                let shorter = (title.len(), title.as_str()) < (kept.len(), kept.as_str());
                if kept.is_empty() || (!title.is_empty() && shorter) {
                    kept.clone_from(&title);
                }
            })
            .or_insert(title);
    }
    by_key
        .into_iter()
        .map(|((part, vendor, product), title)| Product {
            part,
            vendor,
            product,
            title,
        })
        .collect()
}

/// A suggested name, best first in [`Catalogue::suggest`]'s answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The 2.3 formatted string to store, e.g. `cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*`.
    pub cpe23: String,
    pub part: char,
    pub vendor: String,
    pub product: String,
    pub title: String,
    /// 0 to 1: 1 when the vendor agrees and every word matched both ways.
    pub score: f32,
    /// Short English reasons to show beside the suggestion.
    pub why: Vec<String>,
}

/// Spellings of makers as staff write them, and the CPE vendors they mean. Spellings are
/// compared after [`normalise`] and with spaces and punctuation removed, so "Hewlett-Packard",
/// "hewlett packard" and "ＨＥＷＬＥＴＴ　ＰＡＣＫＡＲＤ" are one spelling; company forms
/// (株式会社, Inc., Ltd. …) are dropped first. A Japanese spelling of three or more characters
/// is also found inside a longer name (日本ヒューレット・パッカード合同会社), a two-character one
/// at its start (日立製作所). CPE vendor names themselves need no entry: "Fortinet" finds
/// `fortinet` directly.
pub const MAKER_ALIASES: &[(&[&str], &[&str])] = &[
    (&["富士通", "フジツウ"], &["fujitsu"]),
    (&["日本電気", "NEC", "エヌイーシー"], &["nec"]),
    (&["フォーティネット"], &["fortinet"]),
    (&["シスコ", "シスコシステムズ", "Cisco Systems"], &["cisco"]),
    (&["マイクロソフト"], &["microsoft"]),
    (
        &[
            "キヤノン",
            "キャノン",
            "キヤノンメディカル",
            "キヤノンメディカルシステムズ",
            "Canon Medical",
        ],
        &["canon"],
    ),
    (&["日立", "日立製作所"], &["hitachi"]),
    (&["東芝"], &["toshiba"]),
    (&["ヤマハ"], &["yamaha"]),
    (&["アライドテレシス", "Allied Telesis"], &["alliedtelesis"]),
    // NVD has named Buffalo's products under both.
    (&["バッファロー", "Buffalo"], &["buffalo", "buffalotech"]),
    (&["エレコム"], &["elecom"]),
    (
        &[
            "パロアルト",
            "パロアルトネットワークス",
            "Palo Alto",
            "Palo Alto Networks",
        ],
        &["paloaltonetworks"],
    ),
    (&["ソニックウォール"], &["sonicwall"]),
    (&["ヴイエムウェア", "ブイエムウェア", "VMware"], &["vmware"]),
    (&["レノボ"], &["lenovo"]),
    (
        &[
            "デル",
            "デルテクノロジーズ",
            "Dell Technologies",
            "Dell EMC",
        ],
        &["dell"],
    ),
    // HP split in 2015; older products stay under hp, enterprise ones moved to hpe.
    (
        &["HP", "ヒューレットパッカード", "Hewlett Packard", "日本HP"],
        &["hp", "hpe"],
    ),
    (
        &[
            "HPE",
            "Hewlett Packard Enterprise",
            "ヒューレットパッカードエンタープライズ",
        ],
        &["hpe", "hp"],
    ),
    (&["アップル"], &["apple"]),
    (&["シャープ"], &["sharp"]),
    (&["リコー"], &["ricoh"]),
    (
        &["富士フイルム", "富士フィルム", "Fuji Film"],
        &["fujifilm"],
    ),
    (&["オリンパス"], &["olympus"]),
    (&["テルモ"], &["terumo"]),
    (
        &["GE", "GE Healthcare", "GEヘルスケア", "General Electric"],
        &["ge", "gehealthcare"],
    ),
    (
        &["シーメンス", "Siemens Healthineers", "シーメンスヘルスケア"],
        &["siemens"],
    ),
    (&["フィリップス"], &["philips"]),
    // Pulse Secure was Juniper's, and is now Ivanti's.
    (
        &["Pulse Secure", "パルスセキュア"],
        &["pulsesecure", "ivanti"],
    ),
    (&["イヴァンティ", "アイヴァンティ"], &["ivanti"]),
    (&["アイビーエム", "日本アイビーエム"], &["ibm"]),
    (&["オムロン"], &["omron"]),
    (&["パナソニック"], &["panasonic"]),
    (&["エプソン", "セイコーエプソン", "Seiko Epson"], &["epson"]),
    (&["ブラザー"], &["brother"]),
    (&["コニカミノルタ", "Konica Minolta"], &["konicaminolta"]),
    (&["京セラ"], &["kyocera"]),
    (&["ジュニパー", "Juniper Networks"], &["juniper"]),
    (&["トレンドマイクロ", "Trend Micro"], &["trendmicro"]),
    (&["ウォッチガード"], &["watchguard"]),
    (
        &["アイオーデータ", "アイ・オー・データ", "I-O DATA"],
        &["iodata"],
    ),
    (&["ネットギア"], &["netgear"]),
    (&["サイボウズ"], &["cybozu"]),
    (&["ソニー"], &["sony"]),
    (&["レッドハット", "Red Hat"], &["redhat"]),
    (&["オラクル"], &["oracle"]),
    (&["シトリックス"], &["citrix"]),
    (&["F5 Networks", "エフファイブ"], &["f5"]),
    (&["チェック・ポイント", "Check Point"], &["checkpoint"]),
    (&["ソフォス"], &["sophos"]),
];

/// Operating systems whose vendor is seldom the device's maker (a Fujitsu server runs
/// Microsoft's Windows). Found as words of the OS name, compared like [`MAKER_ALIASES`]. An
/// OS made by the maker itself (FortiOS, JUNOS, PAN-OS) needs no entry: the maker vouches.
pub const OS_VENDORS: &[(&str, &[&str])] = &[
    ("Windows", &["microsoft"]),
    ("ESXi", &["vmware"]),
    ("vSphere", &["vmware"]),
    ("Ubuntu", &["canonical"]),
    ("Red Hat", &["redhat"]),
    ("RHEL", &["redhat"]),
    ("CentOS", &["centos"]),
    ("Debian", &["debian"]),
    ("SUSE", &["suse"]),
    ("macOS", &["apple"]),
    ("Mac OS", &["apple"]),
    ("Android", &["google"]),
    ("Linux", &["linux"]),
    ("VxWorks", &["windriver"]),
];

/// Company forms dropped from a maker before it is compared.
const COMPANY_FORMS: [&str; 7] = [
    "株式会社",
    "有限会社",
    "合同会社",
    "(株)",
    "(有)",
    "(同)",
    "(合)",
];
const COMPANY_WORDS: [&str; 15] = [
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "gmbh",
    "ag",
    "kk",
    "plc",
    "the",
    "株",
];

/// Words that, alone, say nothing of the vendor ("GE Healthcare Japan": not `japan`).
const VAGUE_WORDS: [&str; 18] = [
    "japan",
    "jp",
    "日本",
    "ジャパン",
    "healthcare",
    "medical",
    "systems",
    "system",
    "networks",
    "network",
    "technologies",
    "technology",
    "solutions",
    "international",
    "global",
    "group",
    "holdings",
    "software",
];

/// Lower case, full-width letters and digits as ASCII (ＦｏｒｔｉＧａｔｅ → fortigate), the
/// ideographic space as a space, half-width katakana as full-width (ﾌｫｰﾃｨﾈｯﾄ → フォーティネット).
pub fn normalise(text: &str) -> String {
    const HALF_KANA: &str = "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{FF01}'..='\u{FF5E}' => {
                if let Some(ascii) = char::from_u32(u32::from(c) - 0xFEE0) {
                    out.push(ascii.to_ascii_lowercase());
                }
            }
            '\u{3000}' => out.push(' '),
            '\u{FF61}' => out.push('。'),
            '\u{FF62}' => out.push('「'),
            '\u{FF63}' => out.push('」'),
            '\u{FF64}' => out.push('、'),
            '\u{FF65}' => out.push('・'),
            '\u{FF66}'..='\u{FF9D}' => {
                let index = (u32::from(c) - 0xFF66) as usize;
                if let Some(kana) = HALF_KANA.chars().nth(index) {
                    out.push(kana);
                }
            }
            // Voiced and semi-voiced marks join the kana before them (ｶﾞ → ガ, ﾊﾟ → パ).
            '\u{FF9E}' | '\u{FF9F}' => {
                let voiced = out.chars().last().and_then(|last| {
                    if c == '\u{FF9E}' && last == 'ウ' {
                        return Some('ヴ');
                    }
                    let step = if c == '\u{FF9E}' { 1 } else { 2 };
                    let base = if step == 1 {
                        "カキクケコサシスセソタチツテトハヒフヘホ"
                    } else {
                        "ハヒフヘホ"
                    };
                    base.contains(last)
                        .then(|| char::from_u32(u32::from(last) + step))
                        .flatten()
                });
                if let Some(voiced) = voiced {
                    out.pop();
                    out.push(voiced);
                }
            }
            '㈱' => out.push_str("(株)"),
            '㈲' => out.push_str("(有)"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Words of normalised text: runs of ASCII letters and digits, and runs of other letters
/// (Japanese); everything else separates (`fg-60e` gives `fg`, `60e`; `necプラットフォームズ`
/// gives `nec`, `プラットフォームズ`).
fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_ascii = true;
    for c in text.chars() {
        let kind = if c.is_ascii_alphanumeric() {
            Some(true)
        } else if !c.is_ascii() && c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match kind {
            Some(ascii) if current.is_empty() || ascii == current_ascii => {
                current_ascii = ascii;
                current.push(c);
            }
            Some(ascii) => {
                out.push(std::mem::take(&mut current));
                current_ascii = ascii;
                current.push(c);
            }
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A spelling with spaces and punctuation removed, for comparing names.
fn compact(text: &str) -> String {
    words(&normalise(text)).concat()
}

/// A word typed with a version in it: starts with a digit and holds `.` or `(`
/// (`6.0.4`, `9.8(4)15`, `9.0R3`), or `v` and a digit (`v4.2`).
fn is_version_word(word: &str) -> bool {
    let mut chars = word.chars();
    let first = chars.next();
    let starts = match first {
        Some(c) if c.is_ascii_digit() => true,
        Some('v') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    };
    starts && word.contains(['.', '('])
}

fn is_alpha(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphabetic())
}

/// The products' index. Build it once ([`Catalogue::new`]) and keep it.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    products: Vec<Product>,
    entries: Vec<Entry>,
    /// Token texts by id: product words, title words, initials and joined neighbours.
    tokens: Vec<String>,
    token_ids: HashMap<String, u32>,
    /// Token id → products whose name or title has it.
    postings: Vec<Vec<u32>>,
    vendors: Vec<Vendor>,
    /// Compact vendor name → vendor ids.
    vendor_ids: HashMap<String, Vec<u32>>,
    /// Compact spelling → vendor names, from [`MAKER_ALIASES`].
    aliases: HashMap<String, Vec<&'static str>>,
    /// Compact OS word → vendor names, from [`OS_VENDORS`].
    os_vendors: HashMap<String, Vec<&'static str>>,
}

#[derive(Debug, Clone, Default)]
struct Entry {
    vendor: u32,
    /// Words of the CPE product name, the vendor's own words left out.
    name: Vec<u32>,
    /// Words of the title not in the name, the vendor's and versions left out.
    title: Vec<u32>,
    /// The first two characters of the name's words ([`start_bit`]). A product found only as
    /// one of the maker's can match only by a shared beginning (`60e` ≈ `60c`), which needs
    /// them, so most of a big vendor's products are passed over at once.
    starts: u64,
}

#[derive(Debug, Clone, Default)]
struct Vendor {
    name: String,
    /// The vendor's words and its compact name (`palo`, `alto`, `networks`,
    /// `paloaltonetworks`): typed words equal to them say nothing of the product.
    words: Vec<String>,
    products: Vec<u32>,
}

/// One of 64 bits for a word's first two characters.
fn start_bit(word: &str) -> u64 {
    let mut bytes = word.bytes();
    let first = u64::from(bytes.next().unwrap_or(0));
    let second = bytes.next().map_or(0, |b| u64::from(b) + 1);
    1 << ((first * 257 + second) % 64)
}

/// How a field of the device matched one product.
#[derive(Debug, Clone, Default)]
struct Match {
    quality: f32,
    /// Typed words matched, to rank equal scores (the more said, the better).
    matched: usize,
    /// What matched, for the reasons: `fortigate`, `60e≈60c`, `asa=adaptive security appliance`
    /// (only gathered when explaining).
    pieces: Vec<String>,
}

/// One typed word.
#[derive(Debug, Clone, Default)]
struct Word {
    text: String,
    /// Its token id, if any product has it.
    id: Option<u32>,
    /// The version word (`9.8(4)15`) it is a piece of, counted from 0.
    version: Option<usize>,
}

/// One field of the device, as typed words.
#[derive(Debug, Clone, Default)]
struct Query {
    words: Vec<Word>,
    /// [`start_bit`]s of the words that can match by a shared beginning.
    starts: u64,
}

impl Query {
    /// Japanese words are left out: CPE names are ASCII, so they can only lower the score.
    fn new(text: &str, catalogue: &Catalogue) -> Query {
        let mut query = Query::default();
        let mut version_words = 0;
        for chunk in normalise(text).split_whitespace() {
            let version = is_version_word(chunk).then_some(version_words);
            let parts: Vec<String> = words(chunk).into_iter().filter(|w| w.is_ascii()).collect();
            if parts.is_empty() {
                continue;
            }
            if version.is_some() {
                version_words += 1;
            }
            for text in parts {
                if version.is_none() && text.len() >= 2 {
                    query.starts |= start_bit(&text);
                }
                query.words.push(Word {
                    id: catalogue.token_ids.get(&text).copied(),
                    text,
                    version,
                });
            }
        }
        query
    }

    fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// Which of the device's fields a match came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Model,
    Os,
}

/// How far a vendor can be trusted for one field.
struct VendorView {
    /// Vendor id → the reason it is trusted.
    trusted: HashMap<u32, String>,
    /// When no vendor is trusted: why (maker empty, unknown, or absent from the catalogue).
    unknown: Option<String>,
    /// The reason given for any other vendor when some are trusted.
    other: String,
}

impl VendorView {
    fn factor(&self, vendor: u32) -> f32 {
        if self.trusted.contains_key(&vendor) {
            1.0
        } else if self.unknown.is_some() {
            UNCONFIRMED
        } else {
            CONTRADICTED
        }
    }

    fn reason(&self, vendor: u32, name: &str) -> String {
        if let Some(reason) = self.trusted.get(&vendor) {
            reason.clone()
        } else if let Some(unknown) = &self.unknown {
            format!("{unknown}: vendor {name} not confirmed")
        } else {
            format!("vendor {name} {}", self.other)
        }
    }
}

/// Working space of [`Catalogue::match_entry`], reused across products.
#[derive(Default)]
struct Scratch {
    /// Indexes of the typed words considered.
    typed: Vec<usize>,
    /// Credit of each considered typed word, and of each name word.
    q: Vec<f32>,
    p: Vec<f32>,
}

/// A candidate's best field: score, typed words matched, product id, field.
type Scored = (f32, usize, u32, Option<Field>);

const PART_ORDER: [char; 3] = ['o', 'h', 'a'];

/// A word in more products than this is too common to find candidates by, unless it is the
/// rarest word typed.
const COMMON_WORD: usize = 2_000;

/// The vendor factor when no vendor is known for a field: the words alone decide, at most
/// 0.55.
const UNCONFIRMED: f32 = 0.55;

/// The vendor factor when the field's vendor is known and this is another: even a full match
/// scores at most 0.2 (a relabelled product, or a typing slip).
const CONTRADICTED: f32 = 0.2;

/// Suggestions for the maker alone score this (times the part's fit), below any word match.
const MAKER_ONLY: f32 = 0.1;

impl Catalogue {
    /// Indexes the products. Products whose vendor or product cannot be written as a CPE value
    /// (empty, or with spaces or control characters) or whose part is not a, o or h are left
    /// out; so are repeats of a part:vendor:product.
    pub fn new(products: Vec<Product>) -> Catalogue {
        let mut catalogue = Catalogue::default();
        for (spellings, vendors) in MAKER_ALIASES {
            for spelling in spellings.iter() {
                let list = catalogue.aliases.entry(compact(spelling)).or_default();
                for vendor in vendors.iter() {
                    if !list.contains(vendor) {
                        list.push(vendor);
                    }
                }
            }
        }
        for (word, vendors) in OS_VENDORS {
            catalogue
                .os_vendors
                .entry(compact(word))
                .or_default()
                .extend(vendors.iter().copied());
        }
        let mut seen = HashSet::new();
        let mut vendor_index: HashMap<String, u32> = HashMap::new();
        for mut product in products {
            product.vendor = product.vendor.to_lowercase();
            product.product = product.product.to_lowercase();
            if !matches!(product.part, 'a' | 'o' | 'h')
                || Value::literal(&product.vendor).is_err()
                || Value::literal(&product.product).is_err()
                || !seen.insert((
                    product.part,
                    product.vendor.clone(),
                    product.product.clone(),
                ))
            {
                continue;
            }
            let id = catalogue.products.len() as u32;
            let vendor = match vendor_index.get(&product.vendor) {
                Some(&v) => v,
                None => {
                    let v = catalogue.vendors.len() as u32;
                    let mut vendor_words = words(&normalise(&product.vendor));
                    let whole = vendor_words.concat();
                    if !vendor_words.contains(&whole) {
                        vendor_words.push(whole.clone());
                    }
                    catalogue.vendors.push(Vendor {
                        name: product.vendor.clone(),
                        words: vendor_words,
                        products: Vec::new(),
                    });
                    catalogue.vendor_ids.entry(whole).or_default().push(v);
                    vendor_index.insert(product.vendor.clone(), v);
                    v
                }
            };
            let vendor_words = catalogue
                .vendors
                .get(vendor as usize)
                .map(|v| v.words.clone())
                .unwrap_or_default();
            let all_name = words(&normalise(&product.product));
            let mut name: Vec<String> = all_name
                .iter()
                .filter(|w| !vendor_words.contains(w))
                .cloned()
                .collect();
            if name.is_empty() {
                name = all_name;
            }
            let mut title: Vec<String> = normalise(&product.title)
                .split_whitespace()
                .filter(|chunk| !is_version_word(chunk))
                .flat_map(words)
                .filter(|w| w.is_ascii() && !vendor_words.contains(w) && !name.contains(w))
                .collect();
            title.sort();
            title.dedup();
            let mut keys: Vec<String> = name.iter().chain(&title).cloned().collect();
            // Neighbours joined (`fortigate60c`) and the whole name (`express5800r120h2m`).
            for pair in name.windows(2) {
                keys.push(pair.concat());
            }
            if name.len() > 2 {
                keys.push(name.concat());
            }
            keys.extend(initials(&name));
            keys.sort();
            keys.dedup();
            let starts = name.iter().fold(0, |bits, w| bits | start_bit(w));
            let name_ids = name.iter().map(|w| catalogue.intern(w)).collect();
            let title_ids = title.iter().map(|w| catalogue.intern(w)).collect();
            for key in keys {
                let token = catalogue.intern(&key);
                if let Some(list) = catalogue.postings.get_mut(token as usize) {
                    list.push(id);
                }
            }
            if let Some(v) = catalogue.vendors.get_mut(vendor as usize) {
                v.products.push(id);
            }
            catalogue.entries.push(Entry {
                vendor,
                name: name_ids,
                title: title_ids,
                starts,
            });
            catalogue.products.push(product);
        }
        catalogue
    }

    fn intern(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.token_ids.get(token) {
            return id;
        }
        let id = self.tokens.len() as u32;
        self.tokens.push(token.to_string());
        self.postings.push(Vec::new());
        self.token_ids.insert(token.to_string(), id);
        id
    }

    /// How many products are indexed.
    pub fn len(&self) -> usize {
        self.products.len()
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Up to `limit` suggestions for the device, best first. Empty when nothing in the
    /// catalogue shares a word with the device or belongs to its maker.
    pub fn suggest(&self, device: &Device<'_>, limit: usize) -> Vec<Suggestion> {
        if limit == 0 || self.products.is_empty() {
            return Vec::new();
        }
        let maker = device.maker.trim();
        let model_text = device.model.trim();
        let os_name = device.os_name.trim();
        let (maker_vendors, maker_absent) = self.vendors_named(maker, false);
        let maker_unknown = if maker.is_empty() {
            "maker unknown".to_string()
        } else if maker_absent.is_empty() {
            format!("maker {maker} matches no CPE vendor")
        } else {
            format!(
                "maker {maker} is {}, which the catalogue lacks",
                maker_absent.join(" or ")
            )
        };
        let mut model_view = VendorView {
            trusted: HashMap::new(),
            unknown: None,
            other: if maker_vendors.is_empty() {
                format!("is not the vendor named in model {model_text}")
            } else {
                format!("is not the maker {maker}")
            },
        };
        for &v in &maker_vendors {
            model_view.trusted.insert(
                v,
                format!("vendor {} matches maker {maker}", self.vendor_name(v)),
            );
        }
        let mut os_view = VendorView {
            trusted: model_view.trusted.clone(),
            unknown: None,
            other: if maker_vendors.is_empty() {
                format!("is not implied by OS {os_name}")
            } else {
                format!("is neither the maker {maker} nor implied by OS {os_name}")
            },
        };
        for v in self.vendors_named(model_text, true).0 {
            model_view.trusted.entry(v).or_insert_with(|| {
                format!(
                    "vendor {} is named in model {model_text}",
                    self.vendor_name(v)
                )
            });
        }
        if model_view.trusted.is_empty() {
            model_view.unknown = Some(maker_unknown.clone());
        }
        let mut os_named = self.vendors_named(os_name, true).0;
        os_named.extend(self.os_family_vendors(os_name));
        if os_named.is_empty() {
            // Without a vendor in the OS name, another vendor's OS is plausible: unconfirmed,
            // not contradicted.
            os_view.unknown = Some(if maker_vendors.is_empty() {
                maker_unknown
            } else {
                format!("OS {os_name} names no vendor")
            });
        }
        for v in os_named {
            os_view.trusted.entry(v).or_insert_with(|| {
                format!("vendor {} is implied by OS {os_name}", self.vendor_name(v))
            });
        }
        let model = Query::new(model_text, self);
        let os = Query::new(os_name, self);
        let fields = [
            (Field::Model, &model, &model_view),
            (Field::Os, &os, &os_view),
        ];

        let model_hits = self.collect(&model);
        let os_hits = self.collect(&os);
        let hits_of = |field: Field| match field {
            Field::Model => &model_hits,
            Field::Os => &os_hits,
        };
        let mut candidates: Vec<u32> = model_hits.iter().chain(&os_hits).copied().collect();
        for &v in &maker_vendors {
            if let Some(vendor) = self.vendors.get(v as usize) {
                candidates.extend_from_slice(&vendor.products);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();

        let mut scratch = Scratch::default();
        let mut scored: Vec<Scored> = Vec::new();
        for id in candidates {
            let (Some(entry), Some(product)) = (
                self.entries.get(id as usize),
                self.products.get(id as usize),
            ) else {
                continue;
            };
            let mut best: Option<Scored> = None;
            for (field, query, view) in fields {
                let indexed = hits_of(field).binary_search(&id).is_ok();
                if query.is_empty() || (!indexed && entry.starts & query.starts == 0) {
                    continue;
                }
                let found = self.match_entry(query, entry, &mut scratch, false);
                if found.quality <= 0.0 {
                    continue;
                }
                let score =
                    view.factor(entry.vendor) * found.quality * affinity(field, product.part);
                if best.is_none_or(|(s, ..)| score > s) {
                    best = Some((score, found.matched, id, Some(field)));
                }
            }
            match best {
                Some(best) => scored.push(best),
                None if maker_vendors.contains(&entry.vendor) => scored.push((
                    MAKER_ONLY * affinity(Field::Model, product.part),
                    0,
                    id,
                    None,
                )),
                None => {}
            }
        }
        scored.sort_by(|a, b| {
            let pa = self.products.get(a.2 as usize);
            let pb = self.products.get(b.2 as usize);
            let rank =
                |p: Option<&Product>| p.and_then(|p| PART_ORDER.iter().position(|&c| c == p.part));
            b.0.total_cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then_with(|| rank(pa).cmp(&rank(pb)))
                .then_with(|| pa.cmp(&pb))
        });
        scored.truncate(limit);
        scored
            .into_iter()
            .filter_map(|(score, _, id, field)| {
                let entry = self.entries.get(id as usize)?;
                let product = self.products.get(id as usize)?;
                let vendor = self.vendor_name(entry.vendor);
                let why = match fields.iter().find(|(f, ..)| Some(*f) == field) {
                    Some(&(field, query, view)) => {
                        let found = self.match_entry(query, entry, &mut scratch, true);
                        let (label, typed) = match field {
                            Field::Model => ("model", model_text),
                            Field::Os => ("OS name", os_name),
                        };
                        let product_why = if found.quality >= 0.999 {
                            format!("product matches {label} {typed}")
                        } else {
                            format!(
                                "product partly matches {label} {typed} ({})",
                                found.pieces.join(", ")
                            )
                        };
                        vec![view.reason(entry.vendor, vendor), product_why]
                    }
                    None => vec![
                        model_view.reason(entry.vendor, vendor),
                        "no word of the model or OS name matches this product".to_string(),
                    ],
                };
                let mut why = why;
                why.push(version_reason(product.part, device.os_version.trim()));
                Some(Suggestion {
                    cpe23: cpe_name(product)?,
                    part: product.part,
                    vendor: product.vendor.clone(),
                    product: product.product.clone(),
                    title: product.title.clone(),
                    score: score.clamp(0.0, 1.0),
                    why,
                })
            })
            .collect()
    }

    fn vendor_name(&self, vendor: u32) -> &str {
        self.vendors
            .get(vendor as usize)
            .map_or("", |v| v.name.as_str())
    }

    fn token(&self, id: u32) -> &str {
        self.tokens.get(id as usize).map_or("", String::as_str)
    }

    /// Products sharing a word (or two joined words) with the query, sorted. The pieces of a
    /// version and single characters find none (too many products have a `1` or an `x`),
    /// and a word many products have (`software`, `server`) adds its products only when it is
    /// the rarest word typed.
    fn collect(&self, query: &Query) -> Vec<u32> {
        let posting = |key: &str| {
            self.token_ids
                .get(key)
                .and_then(|&id| self.postings.get(id as usize))
        };
        let keyword = |w: &Word| w.version.is_none() && w.text.len() >= 2;
        let mut lists: Vec<&Vec<u32>> = query
            .words
            .iter()
            .filter(|w| keyword(w))
            .filter_map(|w| posting(&w.text))
            .collect();
        for pair in query.words.windows(2) {
            if let [a, b] = pair
                && keyword(a)
                && keyword(b)
                && let Some(list) = posting(&format!("{}{}", a.text, b.text))
            {
                lists.push(list);
            }
        }
        lists.sort_by_key(|list| list.len());
        let mut hits: Vec<u32> = Vec::new();
        for (n, list) in lists.into_iter().enumerate() {
            if n == 0 || list.len() <= COMMON_WORD {
                hits.extend_from_slice(list);
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// Vendors of the catalogue a maker (or a model or OS name, `strict`) names, and the alias
    /// vendors it names that the catalogue lacks. Strict reading ignores short and vague words,
    /// since a model's words are mostly not vendor names.
    fn vendors_named(&self, text: &str, strict: bool) -> (Vec<u32>, Vec<&'static str>) {
        let mut cleaned = normalise(text);
        for form in COMPANY_FORMS {
            cleaned = cleaned.replace(form, " ");
        }
        let mut parts = words(&cleaned);
        if parts.len() > 1 {
            parts.retain(|w| !COMPANY_WORDS.contains(&w.as_str()));
        }
        let mut names: Vec<&str> = Vec::new();
        let mut found: Vec<u32> = Vec::new();
        let consider = |key: &str, names: &mut Vec<&str>, found: &mut Vec<u32>| {
            if let Some(list) = self.aliases.get(key) {
                names.extend(list.iter().copied());
            }
            if let Some(list) = self.vendor_ids.get(key) {
                found.extend(list.iter().copied());
            }
        };
        let whole = parts.concat();
        if !whole.is_empty() && (!strict || parts.len() == 1) {
            consider(&whole, &mut names, &mut found);
        }
        for start in 0..parts.len() {
            for end in start + 1..=(start + 4).min(parts.len()) {
                let Some(run) = parts.get(start..end) else {
                    continue;
                };
                let key = run.concat();
                let single_vague = run.len() == 1 && VAGUE_WORDS.contains(&key.as_str());
                if single_vague || (strict && key.chars().count() < 4) {
                    continue;
                }
                consider(&key, &mut names, &mut found);
            }
        }
        if !strict {
            for (key, list) in &self.aliases {
                if key.is_ascii() || key.is_empty() {
                    continue;
                }
                let inside = key.chars().count() >= 3 && whole.contains(key.as_str());
                if inside || whole.starts_with(key.as_str()) {
                    names.extend(list.iter().copied());
                }
            }
        }
        let mut absent = Vec::new();
        for name in names {
            match self.vendor_ids.get(name) {
                Some(list) => found.extend(list.iter().copied()),
                None => absent.push(name),
            }
        }
        found.sort_unstable();
        found.dedup();
        absent.sort_unstable();
        absent.dedup();
        (found, absent)
    }

    /// Vendors an OS name implies by [`OS_VENDORS`].
    fn os_family_vendors(&self, os_name: &str) -> Vec<u32> {
        let parts = words(&normalise(os_name));
        let mut found = Vec::new();
        for start in 0..parts.len() {
            for end in start + 1..=(start + 3).min(parts.len()) {
                let Some(run) = parts.get(start..end) else {
                    continue;
                };
                if let Some(names) = self.os_vendors.get(&run.concat()) {
                    for name in names.iter() {
                        if let Some(list) = self.vendor_ids.get(*name) {
                            found.extend(list.iter().copied());
                        }
                    }
                }
            }
        }
        found
    }

    /// How well one field's words match one product (0 to 1): the harmonic mean of the share
    /// of typed words matched and the share of the product's name matched. `explain` gathers
    /// the pieces for the reasons, done only for the suggestions returned.
    fn match_entry(
        &self,
        query: &Query,
        entry: &Entry,
        scratch: &mut Scratch,
        explain: bool,
    ) -> Match {
        let mut result = Match::default();
        let in_title = |w: &Word| w.id.is_some_and(|id| entry.title.contains(&id));
        let vendor_words = self
            .vendors
            .get(entry.vendor as usize)
            .map(|v| v.words.as_slice())
            .unwrap_or_default();
        let Scratch { typed, q, p } = scratch;
        // Typed words that only repeat the vendor ("Cisco ASA") are left out, unless nothing
        // else was typed.
        typed.clear();
        typed.extend(
            query
                .words
                .iter()
                .enumerate()
                .filter(|(_, w)| !vendor_words.contains(&w.text))
                .map(|(i, _)| i),
        );
        let word = |qi: usize| typed.get(qi).and_then(|&i| query.words.get(i));
        if (0..typed.len()).all(|qi| word(qi).is_some_and(|w| w.version.is_some())) {
            typed.clear();
            typed.extend(0..query.words.len());
        }
        let typed: &[usize] = typed;
        let word = |qi: usize| typed.get(qi).and_then(|&i| query.words.get(i));
        let name = &entry.name;
        q.clear();
        q.resize(typed.len(), 0.0);
        p.clear();
        p.resize(name.len(), 0.0);
        let free = |credits: &[f32], at: usize| credits.get(at) == Some(&0.0);

        // Exact words.
        for qi in 0..typed.len() {
            let Some(w) = word(qi) else { continue };
            let Some(id) = w.id else { continue };
            let hit = (0..name.len()).find(|&pi| name.get(pi) == Some(&id) && free(p, pi));
            if let Some(pi) = hit {
                set(q, qi, 1.0);
                set(p, pi, 1.0);
                if explain {
                    result.pieces.push(w.text.clone());
                }
            }
        }
        // Typed neighbours joined match one product word (`express 5800` ↔ `express5800`).
        for len in [2usize, 3] {
            for start in 0..typed.len().saturating_sub(len - 1) {
                let range = start..start + len;
                if range.clone().any(|qi| !free(q, qi)) {
                    continue;
                }
                let parts = range
                    .clone()
                    .filter_map(|qi| word(qi).map(|w| w.text.as_str()));
                let hit = (0..name.len()).find(|&pi| {
                    free(p, pi)
                        && name
                            .get(pi)
                            .is_some_and(|&id| is_concat(self.token(id), parts.clone()))
                });
                if let Some(pi) = hit {
                    range.for_each(|qi| set(q, qi, 1.0));
                    set(p, pi, 1.0);
                    if explain {
                        result.pieces.push(parts.collect());
                    }
                }
            }
        }
        // Product neighbours joined match one typed word (`fortigate60c`), or its initials
        // do (`asa` ↔ `adaptive security appliance`).
        for qi in 0..typed.len() {
            let Some(w) = word(qi) else { continue };
            let Some(first) = w.text.chars().next() else {
                continue;
            };
            if !free(q, qi) {
                continue;
            }
            'runs: for len in 2..=6usize {
                for start in 0..name.len().saturating_sub(len - 1) {
                    let Some(run) = name.get(start..start + len) else {
                        continue;
                    };
                    let texts = run.iter().map(|&id| self.token(id));
                    if texts.clone().next().and_then(|t| t.chars().next()) != Some(first)
                        || (start..start + len).any(|pi| !free(p, pi))
                    {
                        continue;
                    }
                    let joined = is_concat(&w.text, texts.clone());
                    let acronym = !joined
                        && len >= 3
                        && texts.clone().all(is_alpha)
                        && texts
                            .clone()
                            .filter_map(|t| t.chars().next())
                            .eq(w.text.chars());
                    if joined || acronym {
                        set(q, qi, 1.0);
                        (start..start + len).for_each(|pi| set(p, pi, 1.0));
                        if explain {
                            result.pieces.push(if joined {
                                w.text.clone()
                            } else {
                                format!("{}={}", w.text, texts.collect::<Vec<_>>().join(" "))
                            });
                        }
                        break 'runs;
                    }
                }
            }
        }
        // The title alone ("(ASA)"): the typed word is accounted for, the name no closer.
        for qi in 0..typed.len() {
            if let Some(w) = word(qi)
                && free(q, qi)
                && in_title(w)
            {
                set(q, qi, 0.7);
                if explain {
                    result.pieces.push(format!("{} in title", w.text));
                }
            }
        }
        // A shared beginning: `60e` and `60c`, `2019` and `2012`.
        for qi in 0..typed.len() {
            let Some(w) = word(qi) else { continue };
            if !free(q, qi) || w.version.is_some() {
                continue;
            }
            let best = (0..name.len())
                .filter(|&pi| free(p, pi))
                .filter_map(|pi| {
                    let text = self.token(*name.get(pi)?);
                    Some((pi, text, prefix_ratio(&w.text, text)))
                })
                .filter(|(_, _, ratio)| *ratio >= 0.5)
                .max_by(|a, b| a.2.total_cmp(&b.2));
            if let Some((pi, text, ratio)) = best {
                set(q, qi, 0.5 * ratio);
                set(p, pi, 0.5 * ratio);
                if explain {
                    result.pieces.push(format!("{}≈{text}", w.text));
                }
            }
        }

        // Typed share: words count 1 each; a version word counts 1 when every piece of it
        // matched exactly, else 0.25.
        let mut matched = 0f32;
        let mut total = 0f32;
        let mut qi = 0;
        while let Some(w) = word(qi) {
            let credit = q.get(qi).copied().unwrap_or(0.0);
            match w.version {
                None => {
                    matched += credit;
                    total += 1.0;
                    qi += 1;
                }
                Some(v) => {
                    let mut all = true;
                    while let Some(piece) = word(qi)
                        && piece.version == Some(v)
                    {
                        all &= q.get(qi) == Some(&1.0);
                        qi += 1;
                    }
                    if all {
                        matched += 1.0;
                        total += 1.0;
                    } else {
                        total += 0.25;
                    }
                }
            }
        }
        let typed_share = if total > 0.0 { matched / total } else { 0.0 };
        let name_share = if name.is_empty() {
            0.0
        } else {
            p.iter().sum::<f32>() / name.len() as f32
        };
        if typed_share > 0.0 && name_share > 0.0 {
            result.quality = 2.0 * typed_share * name_share / (typed_share + name_share);
        }
        result.matched = q.iter().filter(|c| **c > 0.0).count();
        result
    }
}

/// Whether `target` is two or more `parts` written together.
fn is_concat<'a>(target: &str, parts: impl Iterator<Item = &'a str>) -> bool {
    let mut rest = target;
    let mut count = 0;
    for part in parts {
        match rest.strip_prefix(part) {
            Some(after) if !part.is_empty() => rest = after,
            _ => return false,
        }
        count += 1;
    }
    count > 1 && rest.is_empty()
}

fn set(credits: &mut [f32], at: usize, value: f32) {
    if let Some(slot) = credits.get_mut(at) {
        *slot = value;
    }
}

/// The shared beginning of two words as a share of the longer, when it is 2 characters or
/// more; else 0.
fn prefix_ratio(a: &str, b: &str) -> f32 {
    let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let longer = a.chars().count().max(b.chars().count());
    if shared < 2 || longer == 0 {
        0.0
    } else {
        shared as f32 / longer as f32
    }
}

/// Initials of 3 to 6 neighbouring words of letters (`adaptive_security_appliance_software`
/// gives `asa`, `asas`, `saa`…), so typed acronyms find the product.
fn initials(name: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for start in 0..name.len() {
        for len in 3..=6usize {
            let Some(run) = name.get(start..start + len) else {
                break;
            };
            if !run.iter().all(|w| is_alpha(w)) {
                break;
            }
            out.push(run.iter().filter_map(|w| w.chars().next()).collect());
        }
    }
    out
}

/// How well a part suits the field that matched: a model is hardware (or its firmware), an
/// OS name an operating system (or software NVD files as an application, like Cisco's ASA).
fn affinity(field: Field, part: char) -> f32 {
    match (field, part) {
        (Field::Model, 'h') | (Field::Os, 'o') => 1.0,
        (Field::Model, 'o') | (Field::Os, 'a') => 0.95,
        (Field::Model, _) => 0.9,
        (Field::Os, _) => 0.85,
    }
}

/// The name to store: version ANY for 'o' and 'a', NA for 'h', everything else ANY.
fn cpe_name(product: &Product) -> Option<String> {
    let wfn = Wfn {
        part: Value::Text(product.part.to_string()),
        vendor: Value::literal(&product.vendor).ok()?,
        product: Value::literal(&product.product).ok()?,
        version: if product.part == 'h' {
            Value::Na
        } else {
            Value::Any
        },
        ..Wfn::default()
    };
    Some(wfn.to_fs())
}

fn version_reason(part: char, os_version: &str) -> String {
    match part {
        'h' => "version - (not applicable), as NVD names hardware".to_string(),
        'o' if os_version.is_empty() => {
            "version left as *: record the OS version on the device; it is substituted when matching"
                .to_string()
        }
        'o' => format!(
            "version left as *: the device's OS version {os_version} is substituted when matching"
        ),
        _ => "version left as *: any version".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(part: char, vendor: &str, name: &str, title: &str) -> Product {
        Product {
            part,
            vendor: vendor.into(),
            product: name.into(),
            title: title.into(),
        }
    }

    fn sample() -> Catalogue {
        Catalogue::new(vec![
            product('o', "fortinet", "fortios", "Fortinet FortiOS"),
            product('h', "fortinet", "fortigate-60e", "Fortinet FortiGate-60E"),
            product('h', "fortinet", "fortigate-60c", "Fortinet FortiGate-60C"),
            product('a', "fortinet", "forticlient", "Fortinet FortiClient"),
            product(
                'a',
                "cisco",
                "adaptive_security_appliance_software",
                "Cisco Adaptive Security Appliance Software",
            ),
            product('h', "cisco", "asa_5506-x", "Cisco ASA 5506-X"),
            product('o', "microsoft", "windows", "Microsoft Windows"),
            product('o', "microsoft", "windows_10", "Microsoft Windows 10"),
            product('o', "microsoft", "windows_8.1", "Microsoft Windows 8.1"),
            product(
                'o',
                "microsoft",
                "windows_server_2019",
                "Microsoft Windows Server 2019",
            ),
            product(
                'o',
                "microsoft",
                "windows_server_2012",
                "Microsoft Windows Server 2012",
            ),
            product('a', "microsoft", "sql_server", "Microsoft SQL Server"),
            product(
                'h',
                "fujitsu",
                "primergy_rx2540_m4",
                "Fujitsu PRIMERGY RX2540 M4",
            ),
            product(
                'h',
                "nec",
                "express5800_r120h-2m",
                "NEC Express5800/R120h-2M",
            ),
            product(
                'a',
                "pulsesecure",
                "pulse_connect_secure",
                "Pulse Secure Pulse Connect Secure",
            ),
            product('a', "ivanti", "connect_secure", "Ivanti Connect Secure"),
            product('h', "hp", "laserjet", "HP LaserJet"),
            product(
                'h',
                "hpe",
                "proliant_dl360_gen10",
                "HPE ProLiant DL360 Gen10",
            ),
        ])
    }

    fn device<'a>(maker: &'a str, model: &'a str, os_name: &'a str) -> Device<'a> {
        Device {
            maker,
            model,
            os_name,
            os_version: "",
        }
    }

    fn first(catalogue: &Catalogue, d: Device<'_>, part: char) -> Suggestion {
        catalogue
            .suggest(&d, 20)
            .into_iter()
            .find(|s| s.part == part)
            .unwrap_or_else(|| panic!("no '{part}' suggestion for {d:?}"))
    }

    #[test]
    fn normalises_width_case_and_half_width_kana() {
        assert_eq!(normalise("ＦｏｒｔｉＧａｔｅ　６０Ｅ"), "fortigate 60e");
        assert_eq!(normalise("ﾌｫｰﾃｨﾈｯﾄ"), "フォーティネット");
        assert_eq!(normalise("ｶﾞﾊﾟｳﾞ"), "ガパヴ");
        assert_eq!(normalise("㈱日立"), "(株)日立");
        assert_eq!(words("FG-60E_x.y"), ["FG", "60E", "x", "y"]);
        assert_eq!(
            words("necプラットフォームズ"),
            ["nec", "プラットフォームズ"]
        );
        assert!(is_version_word("9.8(4)15") && is_version_word("v4.2") && is_version_word("6.0.4"));
        assert!(!is_version_word("2019") && !is_version_word("60e") && !is_version_word("22h2"));
    }

    #[test]
    fn fortinet_in_any_spelling() {
        let c = sample();
        for maker in [
            "Fortinet",
            "フォーティネット",
            "ﾌｫｰﾃｨﾈｯﾄ",
            "ＦＯＲＴＩＮＥＴ",
            "Fortinet, Inc.",
        ] {
            let d = Device {
                maker,
                model: "FortiGate 60E",
                os_name: "FortiOS",
                os_version: "6.0.4",
            };
            let all = c.suggest(&d, 5);
            let os = first(&c, d, 'o');
            assert_eq!(
                os.cpe23, "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
                "{maker}"
            );
            assert!(os.score > 0.99, "{maker}: {os:?}");
            assert_eq!(
                os.why,
                [
                    format!("vendor fortinet matches maker {maker}"),
                    "product matches OS name FortiOS".to_string(),
                    "version left as *: the device's OS version 6.0.4 is substituted when matching"
                        .to_string()
                ]
            );
            let hw = first(&c, d, 'h');
            assert_eq!(hw.cpe23, "cpe:2.3:h:fortinet:fortigate-60e:-:*:*:*:*:*:*:*");
            assert!(hw.score > 0.99);
            assert_eq!(all.len(), 4, "{all:#?}");
        }
        // FG-60E is an abbreviation: found, but below the full name.
        let short = first(&c, device("Fortinet", "FG-60E", ""), 'h');
        assert_eq!(short.product, "fortigate-60e");
        assert!(short.score < 0.8, "{short:?}");
        let joined = first(&c, device("Fortinet", "FortiGate60E", ""), 'h');
        assert_eq!(joined.product, "fortigate-60e");
        assert!(joined.score > 0.99, "{joined:?}");
    }

    #[test]
    fn unknown_or_other_makers_score_lower() {
        let c = sample();
        let known = first(&c, device("Fortinet", "", "FortiOS"), 'o').score;
        for maker in ["", "不明", "ABC医療機器"] {
            let unknown = first(&c, device(maker, "", "FortiOS"), 'o');
            assert_eq!(unknown.product, "fortios");
            assert!(unknown.score < known * 0.7, "{maker}: {unknown:?}");
            assert!(unknown.why[0].contains("not confirmed"), "{unknown:?}");
        }
        // A maker that contradicts the vendor scores lower still.
        let wrong = first(&c, device("Cisco", "FortiGate 60E", ""), 'h');
        assert_eq!(wrong.product, "fortigate-60e");
        assert!(wrong.score <= CONTRADICTED, "{wrong:?}");
        assert_eq!(wrong.why[0], "vendor fortinet is not the maker Cisco");
    }

    #[test]
    fn os_vendor_differs_from_the_maker() {
        let c = sample();
        let d = device(
            "富士通株式会社",
            "PRIMERGY RX2540 M4",
            "Windows Server 2019",
        );
        let all = c.suggest(&d, 10);
        let os = first(&c, d, 'o');
        assert_eq!(os.product, "windows_server_2019");
        assert!(os.score > 0.99, "{os:?}");
        assert_eq!(
            os.why[0],
            "vendor microsoft is implied by OS Windows Server 2019"
        );
        let hw = first(&c, d, 'h');
        assert_eq!(
            hw.cpe23,
            "cpe:2.3:h:fujitsu:primergy_rx2540_m4:-:*:*:*:*:*:*:*"
        );
        assert!(hw.score > 0.99);
        assert_eq!(hw.why[0], "vendor fujitsu matches maker 富士通株式会社");
        // windows_server_2012 follows (2012 shares "201" with 2019), SQL Server after.
        let names: Vec<&str> = all.iter().map(|s| s.product.as_str()).collect();
        let at = |p: &str| names.iter().position(|n| *n == p);
        assert!(at("windows_server_2012") < at("sql_server"), "{names:?}");
    }

    #[test]
    fn windows_editions_and_versions() {
        let c = sample();
        let w10 = first(&c, device("Microsoft", "", "Windows 10 Pro 22H2"), 'o');
        assert_eq!(w10.product, "windows_10");
        let w81 = c.suggest(&device("マイクロソフト", "", "Windows 8.1"), 3);
        assert_eq!(w81[0].product, "windows_8.1", "{w81:#?}");
        assert!(w81[0].score > w81[1].score);
    }

    #[test]
    fn cisco_asa_by_initials() {
        let c = sample();
        let d = device(
            "シスコシステムズ合同会社",
            "ASA 5506-X",
            "ASA Software 9.8(4)15",
        );
        let all = c.suggest(&d, 5);
        let names: Vec<&str> = all.iter().map(|s| s.product.as_str()).collect();
        assert_eq!(
            names[..2],
            ["asa_5506-x", "adaptive_security_appliance_software"],
            "{all:#?}"
        );
        let asa = &all[1];
        assert_eq!(
            asa.cpe23,
            "cpe:2.3:a:cisco:adaptive_security_appliance_software:*:*:*:*:*:*:*:*"
        );
        assert!(
            asa.why[1].contains("asa=adaptive security appliance"),
            "{asa:?}"
        );
    }

    #[test]
    fn aliases_with_several_vendors() {
        let c = sample();
        let pulse = c.suggest(&device("Pulse Secure", "Pulse Connect Secure 9.0R3", ""), 5);
        assert_eq!(pulse[0].product, "pulse_connect_secure", "{pulse:#?}");
        assert!(pulse[0].score > 0.85, "{pulse:#?}");
        assert!(
            pulse
                .iter()
                .any(|s| s.vendor == "ivanti" && s.product == "connect_secure")
        );
        let hpe = first(
            &c,
            device(
                "日本ヒューレット・パッカード合同会社",
                "ProLiant DL360 Gen10",
                "",
            ),
            'h',
        );
        assert_eq!(hpe.vendor, "hpe");
        assert!(hpe.score > 0.99, "{hpe:?}");
        let nec = first(&c, device("ＮＥＣ", "Express 5800 R120h-2M", ""), 'h');
        assert_eq!(nec.product, "express5800_r120h-2m");
        assert!(nec.score > 0.99, "{nec:?}");
        let nec = first(&c, device("日本電気", "Express5800", ""), 'h');
        assert_eq!(nec.vendor, "nec");
    }

    #[test]
    fn maker_alone_offers_its_products_low() {
        let c = sample();
        let all = c.suggest(&device("富士通", "", ""), 10);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].vendor, "fujitsu");
        assert!(all[0].score <= MAKER_ONLY);
        assert!(c.suggest(&device("", "", ""), 10).is_empty());
        assert!(c.suggest(&device("Fortinet", "FortiOS", ""), 0).is_empty());
    }

    #[test]
    fn products_from_dictionary_items() {
        let item = |cpe23: &str, title: &str| Item {
            cpe23: cpe23.into(),
            deprecated: false,
            title_en: title.into(),
            title_ja: String::new(),
        };
        let p = Product::from_item(&item(
            "cpe:2.3:o:fortinet:fortios:4.3.10:*:*:*:*:*:*:*",
            "Fortinet FortiOS 4.3.10 (4.0 MR3 Patch 10)",
        ))
        .expect("product");
        assert_eq!(p, product('o', "fortinet", "fortios", "Fortinet FortiOS"));
        let p = Product::from_item(&item(
            r"cpe:2.3:a:\$0.99_kindle_books_project:\$0.99_kindle_books:6:*:*:*:*:android:*:*",
            "$0.99 Kindle Books project $0.99 Kindle Books (aka com.kindle.books.for99) for android 6.0",
        ))
        .expect("quoted");
        assert_eq!(p.vendor, "$0.99_kindle_books_project");
        // Version 6 is written 6.0 in the title: cut there too.
        assert_eq!(
            p.title,
            "$0.99 Kindle Books project $0.99 Kindle Books (aka com.kindle.books.for99) for android"
        );
        let mut deprecated = item("cpe:2.3:a:x:y:1:*:*:*:*:*:*:*", "X Y 1");
        deprecated.deprecated = true;
        assert_eq!(Product::from_item(&deprecated), None);
        let distinct = distinct_products([
            product(
                'o',
                "microsoft",
                "windows_10",
                "Microsoft Windows 10 64-bit",
            ),
            product('o', "microsoft", "windows_10", "Microsoft Windows 10"),
            product('o', "microsoft", "windows_10", ""),
            product('h', "microsoft", "windows_10", ""),
        ]);
        assert_eq!(distinct.len(), 2);
        assert_eq!(distinct[1].title, "Microsoft Windows 10");
        let c = Catalogue::new(vec![
            product('o', "a b", "c", ""),
            product('x', "a", "c", ""),
            product('o', "a", "", ""),
            product('o', "A", "C", ""),
            product('o', "a", "c", ""),
        ]);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c.suggest(&device("a", "c", ""), 1)[0].cpe23,
            "cpe:2.3:o:a:c:*:*:*:*:*:*:*:*"
        );
    }

    /// Odd input never panics and scores stay within 0..1.
    #[test]
    fn odd_input() {
        let c = sample();
        for text in [
            "",
            " ",
            "-",
            "()",
            "9.8(4)15",
            "ｰﾞﾟ",
            "ﾞ",
            "\u{0}",
            "a\u{301}",
            "ＡＳＡ ＡＳＡ ＡＳＡ",
        ] {
            for s in c.suggest(&device(text, text, text), 50) {
                assert!((0.0..=1.0).contains(&s.score), "{text:?}: {s:?}");
            }
        }
    }
}
