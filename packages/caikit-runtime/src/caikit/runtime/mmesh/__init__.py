"""The KServe ModelMesh model-runtime SPI (``mmesh.ModelRuntime``).

The protobuf descriptors are built in code (:mod:`.descriptors`), never generated onto disk, so
no ``.gitignore`` or packaging step can lose them (the reference's defect D1).
"""
