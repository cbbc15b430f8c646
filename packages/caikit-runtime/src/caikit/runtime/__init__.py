"""caikit.runtime: serve the tasks of the installed modules over gRPC and HTTP.

Server modules (``grpc_server``, ``http_server``) import grpc / starlette and are only
imported when asked for.
"""
