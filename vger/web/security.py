"""Security headers on every response, and the reverse-proxy setting.

**Headers** (a small ``after_request``, no extra dependency):

- ``Content-Security-Policy``: everything from this origin only. Scripts: our own files
  plus the SHA-256 hashes of Dash's inline scripts (``Dash.csp_hashes()``: the renderer
  start-up line), so no inline script of an attacker runs. ``'unsafe-eval'`` is allowed
  for one reason: the scatterplot draws boards with many points as ``scattergl`` (WebGL),
  and the plotly.js bundled with Dash compiles regl's draw commands with ``new Function``
  (plotly.js's separate "strict" bundle avoids it; adopting it means shipping a second
  plotly.js). Eval alone runs nothing: script sources stay this origin and the hashed
  inline scripts. The browser tests check the pages raise no CSP violation. Styles allow
  ``'unsafe-inline'``: Plotly writes ``<style>`` rules and Dash/React and our templates
  set ``style`` attributes; a style cannot run script. ``frame-ancestors 'none'``.
- ``X-Frame-Options: DENY`` (older browsers; no page may be framed: no clickjacking of
  the admin's Delete button), ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin`` (URLs with board names never leave the site).

**Proxy**: behind a reverse proxy every request comes from the proxy's address. With
``VGER_PROXY_HOPS=N`` (the number of proxies in front of the app that append to
``X-Forwarded-For`` / set ``X-Forwarded-Proto``; 1 for one nginx or Caddy), werkzeug's
``ProxyFix`` takes the client address and scheme from those headers, trusting only the
last N entries, so the login limit counts each client, not the proxy. Leave it at 0
when clients reach the app directly: otherwise anyone could forge their address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dash import Dash
from flask import Response
from werkzeug.middleware.proxy_fix import ProxyFix

from vger.config import Settings


def content_security_policy(app: Dash) -> str:
    """The CSP for ``app`` (call after every callback is registered)."""
    style_sources = ["'self'", "'unsafe-inline'"]
    for sheet in app.config.external_stylesheets or []:
        url = sheet if isinstance(sheet, str) else sheet.get("href", "")
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.netloc:
            style_sources.append(f"https://{parts.netloc}")
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *app.csp_hashes()],  # eval: scattergl
        "style-src": style_sources,
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_app(app: Dash, settings: Settings) -> None:
    """Trust ``settings.proxy_hops`` proxies and add the headers to every response."""
    server = app.server
    if settings.proxy_hops > 0:
        hops = settings.proxy_hops
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops)
    policy: list[str] = []  # computed on the first response: every callback is known

    @server.after_request
    def _headers(response: Response) -> Response:
        if not policy:
            policy.append(content_security_policy(app))
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy[0])
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        return response
