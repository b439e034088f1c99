"""An address pattern gives what url_for gives, for every value of its part."""

from __future__ import annotations

import pytest
from flask import url_for

from course.web.addresses import address_pattern, id_address_pattern


@pytest.mark.parametrize("slug", ["aarhus", "bench-0001", "århus", "a b", "100%", "x?y#z", "&=@"])
def test_an_address_pattern_builds_what_url_for_builds(app, slug):
    with app.test_request_context("/"):
        council_address = address_pattern("platform.show_council", "slug")
        assert council_address(slug) == url_for("platform.show_council", slug=slug)


def test_a_part_the_route_does_not_take_is_refused(app):
    with app.test_request_context("/"), pytest.raises(ValueError, match="slug"):
        address_pattern("platform.show_overview", "slug")


@pytest.mark.parametrize("certificate_id", [1, 42, 2**31 - 1])
def test_an_id_address_pattern_builds_what_url_for_builds(app, certificate_id):
    with app.test_request_context("/"):
        certificate_address = id_address_pattern("certificates.show_council_certificate", "certificate_id")
        expected = url_for("certificates.show_council_certificate", certificate_id=certificate_id)
        assert certificate_address(certificate_id) == expected
