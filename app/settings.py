"""Server settings: every one has a documented default and can be set from the environment.

Each field reads ``CONVSCOPE_<NAME>`` (for example ``CONVSCOPE_PORT=9000``,
``CONVSCOPE_SAMPLES_DIR=/srv/class-photos``). Handlers get them through
:func:`get_settings`, a cached FastAPI dependency that tests override.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_SAMPLES = Path(__file__).resolve().parent / "samples"
MIB = 1024 * 1024


class Settings(BaseSettings):
    """Convscope's configuration (environment prefix ``CONVSCOPE_``)."""

    model_config = SettingsConfigDict(env_prefix="CONVSCOPE_", extra="ignore", frozen=True)

    # Server
    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port.")

    # Images
    working_size: int = Field(512, ge=16, le=4096,
                              description="Longest side of the working image, in pixels.")
    max_upload_bytes: int = Field(20 * MIB, ge=1024, description="Largest upload accepted.")
    upload_slots: int = Field(
        4, ge=1, le=1000,
        description="Uploads received and decoded at once; one more gets 503 + Retry-After "
                    "before its body is read (bounds the memory bodies hold).")
    upload_read_seconds: float = Field(
        30.0, gt=0, le=3600,
        description="Time a client has to send its whole upload (then 408).")
    max_json_bytes: int = Field(8 * MIB, ge=1024,
                                description="Largest JSON body (convolve, pyramid) accepted.")
    max_pixels: int = Field(50_000_000, ge=1,
                            description="Largest decoded image (width x height), from the header.")
    max_side: int = Field(12_000, ge=16, description="Longest side of a decodable image.")
    allowed_formats: tuple[str, ...] = Field(
        ("PNG", "JPEG", "WEBP", "GIF"), description="Pillow format names accepted for upload.")
    image_cache_entries: int = Field(256, ge=1, description="Working images kept in memory.")
    image_cache_bytes: int = Field(256 * MIB, ge=MIB,
                                   description="Bytes of working pixels kept in memory.")
    samples_dir: Path = Field(BUNDLED_SAMPLES,
                              description="Folder of gallery images (PNG/JPEG/WebP/GIF).")

    # Compute
    workers: int = Field(2, ge=1, le=64, description="Convolution worker threads.")
    blas_threads: int = Field(1, ge=1, le=64, description=(
        "OpenBLAS threads per matrix product. 1: the server shares its cores with other "
        "requests, and a two-thread product waits for a core busy elsewhere."))
    queue_size: int = Field(32, ge=0, le=10_000, description=(
        "Requests that may wait for a worker before 503. 32 waiting jobs drain in well under "
        "the 1 s a refused student waits before retrying (docs/load.md), so a class's bursts "
        "queue instead of being refused and then sent again."))
    retry_after_seconds: int = Field(1, ge=1, description="Retry-After sent with a 503.")
    pyramid_cache_entries: int = Field(32, ge=0, description=(
        "Computed pyramids kept: a student's animation reads the maps of the pyramid just "
        "asked, after the pyramids of everyone else who asked meanwhile."))
    pyramid_cache_bytes: int = Field(256 * MIB, ge=0,
                                     description="Bytes of computed feature maps kept.")
    response_cache_entries: int = Field(256, ge=0, description=(
        "Encoded pyramid and tensor responses kept, by request body: students asking for the "
        "same sample through the same stack are answered from memory, without a worker."))
    response_cache_bytes: int = Field(64 * MIB, ge=0,
                                      description="Bytes of encoded responses kept.")
    binary_gzip_level: int = Field(1, ge=0, le=9, description=(
        "gzip level of pyramid and tensor responses (0: not compressed). Level 1 halves a "
        "pyramid and shrinks float32 maps to about a third, at ~12-20 ms per MB on a worker."))
    binary_zstd_level: int = Field(1, ge=0, le=19, description=(
        "zstd level of pyramid and tensor responses for clients that accept zstd (browsers "
        "over HTTPS and on localhost; 0: never). Level 1 compresses as well as gzip level 1 "
        "for a fifth to a tenth of its CPU."))
    max_macs: int = Field(2_000_000_000, ge=1,
                          description="Multiply-adds one request may cost.")
    max_weights: int = Field(8_000_000, ge=1,
                             description="Weights one request may draw or use (conv and dense).")
    max_output_values: int = Field(16_000_000, ge=1,
                                   description="Feature-map values one request may produce.")
    max_response_bytes: int = Field(32 * MIB, ge=1024,
                                    description="Largest response body one request may produce.")
    max_layers: int = Field(12, ge=1, description="Layers in one stack.")
    max_filters: int = Field(256, ge=1, description="Feature maps (or dense units) per layer.")
    max_kernel: int = Field(15, ge=1, description="Largest kernel side.")
    max_stride: int = Field(8, ge=1, description="Largest stride.")
    max_padding: int = Field(16, ge=0, description="Largest explicit padding on one side.")
    max_dilation: int = Field(8, ge=1, description="Largest dilation.")
    max_input_side: int = Field(256, ge=1,
                                description="Longest side of an /api/convolve input array.")

    # Exports (app/export)
    export_gif_max_frames: int = Field(
        120, ge=2, le=2000, description="Most frames in an exported animation GIF.")
    export_gif_max_size: int = Field(
        640, ge=64, le=4096, description="Largest input panel of a GIF, in pixels.")
    export_png_max_pixels: int = Field(
        25_000_000, ge=1, description="Largest exported PNG (width x height).")

    # Pages
    frame_ancestors: str = Field(
        "'self'", description="CSP frame-ancestors: who may embed the pages in an iframe.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings read from the environment, once (a FastAPI dependency)."""
    return Settings()
