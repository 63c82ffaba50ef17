//! The CPE dictionary readers (XML stream and API 2.0 JSON) never panic, whatever bytes they
//! are given; the names they hand over always parse; and suggesting from what they read, with
//! the same bytes as the device's words, never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mamori_formats::cpe;
use mamori_formats::cpe_dictionary::{self, DictionaryError, Item};
use mamori_formats::cpe_suggest::{Catalogue, Device, Product, distinct_products};

fuzz_target!(|data: &[u8]| {
    let mut items: Vec<Item> = Vec::new();
    let _ = cpe_dictionary::read_xml::<DictionaryError>(data, |item| {
        items.push(item);
        Ok(())
    });
    if let Ok((_, from_json)) = cpe_dictionary::parse_api_products(data) {
        items.extend(from_json);
    }
    for item in &items {
        assert!(cpe::parse_fs(&item.cpe23).is_ok(), "{item:?}");
    }
    let text = String::from_utf8_lossy(data);
    let mut products = distinct_products(items.iter().filter_map(Product::from_item));
    products.push(Product {
        part: 'o',
        vendor: "fortinet".into(),
        product: "fortios".into(),
        title: "Fortinet FortiOS".into(),
    });
    let catalogue = Catalogue::new(products);
    let mut pieces = text.splitn(3, '\n');
    let device = Device {
        maker: pieces.next().unwrap_or(""),
        model: pieces.next().unwrap_or(""),
        os_name: pieces.next().unwrap_or(""),
        os_version: "",
    };
    for s in catalogue.suggest(&device, 5) {
        assert!((0.0..=1.0).contains(&s.score));
        assert!(cpe::parse_fs(&s.cpe23).is_ok(), "{s:?}");
    }
});
