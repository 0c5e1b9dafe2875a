"""What the tests of reports share: the JUnit XML shape CI tools read."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def assert_junit_shape(xml: str) -> ET.Element:
    """The JUnit XML schema (Ant/Jenkins flavour) as CI tools read it: elements, attributes,
    one outcome per testcase, and counts that add up."""
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    assert set(root.attrib) <= {"name", "tests", "failures", "errors", "skipped", "time"}
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for suite in root:
        assert suite.tag == "testsuite"
        assert (
            {"name", "tests"}
            <= set(suite.attrib)
            <= {
                "name",
                "tests",
                "failures",
                "errors",
                "skipped",
                "time",
                "timestamp",
                "hostname",
            }
        )
        float(suite.get("time", "0"))
        cases = list(suite)
        assert all(case.tag == "testcase" for case in cases)
        outcomes = {"failure": 0, "skipped": 0}
        for case in cases:
            assert {"name", "classname"} <= set(case.attrib) <= {"name", "classname", "time"}
            children = [child.tag for child in case]
            assert len(children) <= 1 and set(children) <= {"failure", "skipped", "error"}
            for child in case:
                assert child.get("message")
                outcomes[child.tag] += 1
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "0")) == outcomes["failure"]
        assert int(suite.get("skipped", "0")) == outcomes["skipped"]
        assert int(suite.get("errors", "0")) == 0
        totals["tests"] += len(cases)
        totals["failures"] += outcomes["failure"]
        totals["skipped"] += outcomes["skipped"]
    assert {key: int(root.get(key, "-1")) for key in totals} == totals
    return root
