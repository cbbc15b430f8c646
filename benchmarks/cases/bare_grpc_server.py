"""Practical limit for gRPC: a bare grpcio server with a static proto doing the greeter's work.

``python bare_grpc_server.py PORT`` serves ``GreetingTaskPredict`` on 127.0.0.1: parse
``GreetingTaskRequest``, read ``mm-model-id``, answer ``Greeting(f"Hello {name}")``.
Same thread-pool server shape as a caikit runtime; nothing else.
"""

import sys
from concurrent import futures

import grpc
from harness.wire import MESSAGES

Request, Greeting = MESSAGES["GreetingTaskRequest"], MESSAGES["Greeting"]


def predict(request, context):
    """The whole 'model': look up the model id, greet by name."""
    model = dict(context.invocation_metadata()).get("mm-model-id")
    if model != "greeter":
        context.abort(grpc.StatusCode.NOT_FOUND, f"Model {model!r} not found")
    return Greeting(greeting=f"Hello {request.name}")


def main() -> None:
    """Serve until killed."""
    handler = grpc.method_handlers_generic_handler(
        "caikit.runtime.GreeterLib.GreeterLibService",
        {
            "GreetingTaskPredict": grpc.unary_unary_rpc_method_handler(
                predict,
                request_deserializer=Request.FromString,
                response_serializer=Greeting.SerializeToString,
            ),
        },
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{sys.argv[1]}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
