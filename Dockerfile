# Convscope: one stateless web process; run several behind a proxy to scale out.
# Build:  docker build -t convscope .
# Run:    docker run --rm -p 8000:8000 convscope
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/convscope

# Dependencies in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code. Installed in place (editable) so templates/ and static/ stay next to app/.
COPY README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir --no-deps -e . \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin convscope

# Settings (all CONVSCOPE_*; see docs/deploy.md). The defaults, written out for reference:
ENV CONVSCOPE_WORKING_SIZE=512 \
    CONVSCOPE_MAX_UPLOAD_BYTES=20971520 \
    CONVSCOPE_WORKERS=2 \
    CONVSCOPE_QUEUE_SIZE=32 \
    CONVSCOPE_FRAME_ANCESTORS="'self'"
# A teacher's own gallery: -v "$PWD/my-images:/data/samples:ro" -e CONVSCOPE_SAMPLES_DIR=/data/samples

USER 10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["convscope", "serve", "--host", "0.0.0.0", "--port", "8000"]
