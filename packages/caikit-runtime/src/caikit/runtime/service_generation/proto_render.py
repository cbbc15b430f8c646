"""Render descriptors from protobuf's default pool as ``.proto`` source that protoc compiles.

Two layouts, as caikit's ``dump_services``:

* one file per top-level object: ``<package>.<lowercase name>.proto`` for messages and enums,
  ``<lowercase service name>.proto`` for services;
* one file per package (``consolidate=True``): ``<package with _ for .>.proto``.

Imports point at the files of the same layout; well-known types import
``google/protobuf/*.proto`` (shipped with protoc).
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from google.protobuf import descriptor_pb2, descriptor_pool

__all__ = ["render_files"]

_F = descriptor_pb2.FieldDescriptorProto
_SCALAR_NAMES = {
    _F.TYPE_DOUBLE: "double", _F.TYPE_FLOAT: "float", _F.TYPE_INT64: "int64", _F.TYPE_UINT64: "uint64",
    _F.TYPE_INT32: "int32", _F.TYPE_FIXED64: "fixed64", _F.TYPE_FIXED32: "fixed32", _F.TYPE_BOOL: "bool",
    _F.TYPE_STRING: "string", _F.TYPE_BYTES: "bytes", _F.TYPE_UINT32: "uint32", _F.TYPE_SFIXED32: "sfixed32",
    _F.TYPE_SFIXED64: "sfixed64", _F.TYPE_SINT32: "sint32", _F.TYPE_SINT64: "sint64",
}

_BANNER = """/*------------------------------------------------------------------------------
 * AUTO GENERATED
 *----------------------------------------------------------------------------*/
"""


def _section(title: str) -> str:
    head = f"/*-- {title} "
    return head + "-" * (78 - len(head)) + "*/"


class _Object:
    """One top-level message, enum or service found in the pool."""

    def __init__(self, kind: str, full_name: str, package: str, proto: object, pool_file: str):
        self.kind = kind
        self.full_name = full_name
        self.package = package
        self.name = full_name[len(package) + 1 :] if package else full_name
        self.proto = proto
        self.pool_file = pool_file


def _is_wkt(full_name: str) -> bool:
    return full_name.startswith("google.protobuf.")


def _wkt_file(pool: descriptor_pool.DescriptorPool, full_name: str) -> str:
    return pool.FindFileContainingSymbol(full_name).name


class _Renderer:
    def __init__(self, pool: descriptor_pool.DescriptorPool, consolidate: bool):
        self.pool = pool
        self.consolidate = consolidate
        self.objects: Dict[str, _Object] = {}

    # -- collection -------------------------------------------------------------------------

    def add_symbol(self, full_name: str) -> None:
        """Add a message, enum or service and everything it references."""
        if full_name in self.objects or _is_wkt(full_name):
            return
        file_desc = self.pool.FindFileContainingSymbol(full_name)
        package = file_desc.package
        if full_name in {s.full_name for s in file_desc.services_by_name.values()}:
            service = file_desc.services_by_name[full_name.rsplit(".", 1)[-1]]
            proto = descriptor_pb2.ServiceDescriptorProto()
            service.CopyToProto(proto)
            self.objects[full_name] = _Object("service", full_name, package, proto, file_desc.name)
            for method in proto.method:
                self.add_symbol(method.input_type.lstrip("."))
                self.add_symbol(method.output_type.lstrip("."))
            return
        try:
            message = self.pool.FindMessageTypeByName(full_name)
        except KeyError:
            message = None
        if message is not None:
            top = message
            while top.containing_type is not None:
                top = top.containing_type
            if top.full_name != full_name:
                self.add_symbol(top.full_name)
                return
            proto = descriptor_pb2.DescriptorProto()
            message.CopyToProto(proto)
            self.objects[full_name] = _Object("message", full_name, package, proto, file_desc.name)
            for type_name in _referenced_types(proto):
                self.add_symbol(type_name)
            return
        enum = self.pool.FindEnumTypeByName(full_name)
        if enum.containing_type is not None:
            self.add_symbol(enum.containing_type.full_name)
            return
        proto = descriptor_pb2.EnumDescriptorProto()
        enum.CopyToProto(proto)
        self.objects[full_name] = _Object("enum", full_name, package, proto, file_desc.name)

    # -- file names -------------------------------------------------------------------------

    def file_of(self, full_name: str) -> str:
        if _is_wkt(full_name):
            return _wkt_file(self.pool, full_name)
        obj = self.objects[self._top_level(full_name)]
        return self._file_name(obj)

    def _top_level(self, full_name: str) -> str:
        while full_name not in self.objects and "." in full_name:
            full_name = full_name.rsplit(".", 1)[0]
        return full_name

    def _file_name(self, obj: _Object) -> str:
        if self.consolidate:
            return f"{obj.package.replace('.', '_')}.proto"
        if obj.kind == "service":
            return f"{obj.name.lower()}.proto"
        return f"{obj.package}.{obj.name.lower()}.proto" if obj.package else f"{obj.name.lower()}.proto"

    # -- rendering --------------------------------------------------------------------------

    def render(self) -> Dict[str, str]:
        groups: Dict[str, List[_Object]] = {}
        for obj in self.objects.values():
            groups.setdefault(self._file_name(obj), []).append(obj)
        return {name: self._render_file(name, objs) for name, objs in sorted(groups.items())}

    def _render_file(self, file_name: str, objs: List[_Object]) -> str:
        package = objs[0].package
        imports: List[str] = []
        for obj in objs:
            for type_name in _object_types(obj):
                dep = self.file_of(type_name)
                if dep != file_name and dep not in imports:
                    imports.append(dep)
        lines = ["", _BANNER, 'syntax = "proto3";']
        if package:
            lines.append(f"package {package};")
        lines += [f'import "{dep}";' for dep in sorted(imports)]
        lines += ["", ""]
        enums = sorted((o for o in objs if o.kind == "enum"), key=lambda o: o.name)
        messages = sorted((o for o in objs if o.kind == "message"), key=lambda o: o.name)
        services = sorted((o for o in objs if o.kind == "service"), key=lambda o: o.name)
        if enums:
            lines += [_section("ENUMS"), ""]
            for obj in enums:
                lines += [*_render_enum(obj.proto, ""), ""]
            lines.append("")
        if messages:
            lines += [_section("MESSAGES"), ""]
            for obj in messages:
                lines += [*_render_message(obj.proto, ""), ""]
            lines.append("")
        if services:
            lines += [_section("SERVICES"), ""]
            for obj in services:
                lines += [*_render_service(obj.proto), ""]
        return "\n".join(lines).rstrip() + "\n"


def _referenced_types(message: descriptor_pb2.DescriptorProto) -> Iterable[str]:
    for field in message.field:
        if field.type_name:
            yield field.type_name.lstrip(".")
    for nested in message.nested_type:
        yield from _referenced_types(nested)


def _object_types(obj: _Object) -> List[str]:
    if obj.kind == "service":
        found = []
        for method in obj.proto.method:
            found += [method.input_type.lstrip("."), method.output_type.lstrip(".")]
        return found
    if obj.kind == "message":
        own = obj.full_name + "."
        return [t for t in _referenced_types(obj.proto) if not t.startswith(own)]
    return []


def _render_enum(enum: descriptor_pb2.EnumDescriptorProto, indent: str) -> List[str]:
    lines = [f"{indent}enum {enum.name} {{"]
    if enum.options.allow_alias:
        lines.append(f"{indent}  option allow_alias = true;")
    for value in enum.value:
        lines.append(f"{indent}  {value.name} = {value.number};")
    lines.append(f"{indent}}}")
    return lines


def _type_ref(field: descriptor_pb2.FieldDescriptorProto) -> str:
    if field.type_name:
        return field.type_name.lstrip(".")
    return _SCALAR_NAMES[field.type]


def _render_message(message: descriptor_pb2.DescriptorProto, indent: str) -> List[str]:
    lines = [f"{indent}message {message.name} {{"]
    inner = indent + "  "
    map_entries = {n.name: n for n in message.nested_type if n.options.map_entry}
    nested = [n for n in message.nested_type if not n.options.map_entry]
    if message.enum_type:
        lines += ["", f"{inner}/*-- nested enums --*/"]
        for enum in message.enum_type:
            lines += _render_enum(enum, inner)
    if nested or map_entries:
        lines += ["", f"{inner}/*-- nested messages --*/"]
        for sub in nested:
            lines += _render_message(sub, inner)
    members: Dict[int, List[descriptor_pb2.FieldDescriptorProto]] = {}
    for field in message.field:
        if field.HasField("oneof_index"):
            members.setdefault(field.oneof_index, []).append(field)
    # proto3 optionals: synthetic oneofs, or (as caikit writes them) a oneof "_<field>" of one
    optional_fields = {
        fields[0].name
        for index, fields in members.items()
        if len(fields) == 1 and (fields[0].proto3_optional or message.oneof_decl[index].name == f"_{fields[0].name}")
    }
    real_oneofs = {i: f for i, f in members.items() if not (len(f) == 1 and f[0].name in optional_fields)}
    plain = [f for f in message.field if not f.HasField("oneof_index") or f.name in optional_fields]
    if message.field:
        lines += ["", f"{inner}/*-- fields --*/"]
    for field in plain:
        entry_name = field.type_name.rsplit(".", 1)[-1] if field.type_name else ""
        if field.label == _F.LABEL_REPEATED and entry_name in map_entries:
            entry = map_entries[entry_name]
            key, value = entry.field[0], entry.field[1]
            lines.append(f"{inner}map<{_type_ref(key)}, {_type_ref(value)}> {field.name} = {field.number};")
            continue
        label = "repeated " if field.label == _F.LABEL_REPEATED else ("optional " if field.name in optional_fields else "")
        lines.append(f"{inner}{label}{_type_ref(field)} {field.name} = {field.number};")
    if real_oneofs:
        lines += ["", f"{inner}/*-- oneofs --*/"]
        for index, fields in sorted(real_oneofs.items()):
            lines.append(f"{inner}oneof {message.oneof_decl[index].name} {{")
            for field in fields:
                lines.append(f"{inner}  {_type_ref(field)} {field.name} = {field.number};")
            lines.append(f"{inner}}}")
    lines.append(f"{indent}}}")
    return lines


def _render_service(service: descriptor_pb2.ServiceDescriptorProto) -> List[str]:
    lines = [f"service {service.name} {{"]
    for method in service.method:
        request = ("stream " if method.client_streaming else "") + method.input_type.lstrip(".")
        response = ("stream " if method.server_streaming else "") + method.output_type.lstrip(".")
        lines.append(f"  rpc {method.name}({request}) returns ({response});")
    lines.append("}")
    return lines


def render_files(
    symbols: Iterable[str], consolidate: bool = False, pool: Optional[descriptor_pool.DescriptorPool] = None
) -> Dict[str, str]:
    """``{file name: .proto source}`` for ``symbols`` (full names of services, messages and
    enums) and everything they reference.

    Args:
        symbols: what to render
        consolidate: one file per package instead of one per object
        pool: where to look them up (default pool if None)
    """
    renderer = _Renderer(pool or descriptor_pool.Default(), consolidate)
    for symbol in symbols:
        renderer.add_symbol(symbol)
    return renderer.render()
