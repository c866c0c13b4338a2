# The image compose.yaml runs: the yibao command with its pinned runtime dependencies, built
# with the locked setuptools (no build isolation: nothing unpinned is fetched).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml requirements-runtime.txt README.md ./
COPY bot bot
COPY dialogs dialogs
COPY policies policies
COPY locales locales
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements-runtime.txt \
    && pip install --no-cache-dir --no-deps --no-build-isolation . \
    && pip check \
    && useradd --system --no-create-home yibao
USER yibao
ENTRYPOINT ["yibao"]
CMD ["--help"]
