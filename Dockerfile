# pychamber's image, built from this source tree (the package is not on a package index yet):
#     docker build -t pychamber .
# ENTRYPOINT is pychamber itself, so the image serves as the sidecar of the README's task
# definition (command: materialize ...). An app's own image installs pychamber the same way and
# uses `pychamber exec --init SERVICE -- CMD` as its entrypoint (README: "exec in containers").
# .ci/run runs these RUN steps as shell in a clean virtualenv (scripts/dockerfile_run.py).
FROM python:3.12-slim
WORKDIR /opt/pychamber
COPY pyproject.toml README.md ./
COPY src/ src/
RUN pip install --no-cache-dir . && pychamber version
WORKDIR /
ENTRYPOINT ["pychamber"]
CMD ["--help"]
