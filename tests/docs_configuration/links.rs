//! Every relative link in the documentation resolves, anchors included.

use super::*;

#[test]
fn every_relative_link_in_the_documentation_resolves() {
    let mut problems = Vec::new();
    for page in markdown_pages() {
        for (line, target) in link_targets(&read(&page)) {
            let external = ["http://", "https://", "mailto:"]
                .iter()
                .any(|scheme| target.starts_with(scheme));
            if !external && !target.is_empty() {
                check_target(&page, true, line, &target, &mut problems);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n- {}",
        problems.join("\n- ")
    );
}
