"""Serve a task by proxying it to a model on another caikit runtime over gRPC.

Two entry-point plugins of caikit-runtime, configured like any finder / initializer::

    model_management:
      finders:
        default:
          type: REMOTE
          config:
            connection: {hostname: models.example, port: 8085, timeout: 30,
                         tls: {enabled: false, ca_file: null, cert_file: null, key_file: null}}
            model_key: mm-model-id          # metadata key naming the model remotely
            discover_models: true           # ask the remote InfoService which models it has
            supported_models: {}            # or list them: {model name: module id}
      initializers:
        default:
          type: REMOTE                      # remote configs -> proxies; others -> LOCAL

The finder (:mod:`.finder`) turns a model name into a ``ModuleConfig`` marked remote; the
initializer (:mod:`.initializer`) builds a proxy instance of the model's (locally importable)
module class whose inference methods call the remote runtime's RPCs (:mod:`.client`).
"""
