"""Which retrieved chunks become sources: a heading alone is not one."""

from assistant.qa.context import heading_only


def test_a_chunk_that_is_only_its_section_s_heading_is_not_a_source():
    # As the HTML loader cuts a page: the subsection's title, its text in the next chunk.
    assert heading_only("4.1. Reading a pinned cache from older releases",
                        "Compatibility > Reading a pinned cache from older releases")
    assert heading_only("## Clean up\n\n", "Runbook > Clean up")
    assert heading_only("# Runbook\n## Clean up", "Runbook > Clean up")
    assert not heading_only("4.1. Reading a pinned cache from older releases\nOlder releases skip the pin.",
                            "Compatibility > Reading a pinned cache from older releases")
    assert not heading_only("## Clean up\n1. Stop the loader.", "Runbook > Clean up")
    # A line that merely resembles a title is text.
    assert not heading_only("Reading a pinned cache", "Compatibility > Reading a pinned cache from older releases")
