"""Texts checked against chamber v3.1.4's source (segmentio/chamber), where the reference is
silent."""

from __future__ import annotations


def test_export_error_names_the_service(run_cli):
    # cmd/export.go: fmt.Errorf("Failed to list store contents for service %s: %w", service, err)
    r = run_cli("-r", "1", "export", "web", "other", env_extra={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert r.returncode == 1
    assert r.stderr.startswith("Error: Failed to list store contents for service web: operation error "
                               "SSM: GetParametersByPath, ")
    assert len(r.stderr.splitlines()) == 1
