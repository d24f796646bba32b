//! How numbers are shown to people: durations, availability, blame tables,
//! what a fire destroyed, and the README's sample outputs.

use outage::SimDuration;
use proptest::prelude::*;

proptest! {
    /// Every duration prints as text that parses back to it, and no unit is
    /// skipped between the first and the last one printed.
    #[test]
    fn durations_print_unambiguously_and_parse_back(ms in 0u64..=100 * 365 * 86_400_000) {
        let d = SimDuration::from_millis(ms);
        let text = d.to_string();
        prop_assert_eq!(text.parse::<SimDuration>().unwrap(), d, "{}", text);
        // The units written, in order; after the first, each must be the next
        // smaller unit (d h m s), so that "5h29s" never appears.
        let units: Vec<char> = text.chars().filter(|c| c.is_ascii_alphabetic()).collect();
        let order = ['d', 'h', 'm', 's'];
        if !text.ends_with("ms") {
            let positions: Vec<usize> =
                units.iter().map(|u| order.iter().position(|o| o == u).expect("a known unit")).collect();
            for w in positions.windows(2) {
                prop_assert_eq!(w[1], w[0] + 1, "{}", text);
            }
        }
    }
}

/// The figures of the issue, by hand: 18029.385 s is 5 h, 0 min and 29.385 s.
#[test]
fn the_durations_of_the_issue_print_with_every_unit() {
    assert_eq!(SimDuration::from_millis(18_029_385).to_string(), "5h0m29.385s");
    // 1d0h52m53s = 86400 + 0 + 3120 + 53 = 89573 s.
    assert_eq!(SimDuration::from_secs(89_573).to_string(), "1d0h52m53s");
    assert_eq!("5h0m29.385s".parse::<SimDuration>().unwrap(), SimDuration::from_millis(18_029_385));
}
