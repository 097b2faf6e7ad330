// Recovers the runtime.v1 FileDescriptorProto a containerd binary serves, and reduces it and our
// own proto/runtime-v1.proto to one comparable shape. Go protobuf runtimes (gogo included)
// register every compiled .proto as a gzipped FileDescriptorProto inside the binary, so scanning
// for gzip members and decoding what inflates finds it without any network or vendored proto.
// protobufjs comes with @grpc/proto-loader; its ext/descriptor module decodes descriptors.
import { inflateRawSync, constants as zlibConstants } from 'node:zlib';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

export interface FieldShape {
  readonly number: number;
  /** Scalar name (`string`, `int64`, …), full message/enum name, or `map<K,V>`. */
  readonly type: string;
  readonly repeated: boolean;
}

export interface MethodShape {
  readonly request: string;
  readonly response: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

export interface ProtoShape {
  readonly messages: ReadonlyMap<string, ReadonlyMap<string, FieldShape>>;
  readonly enums: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly services: ReadonlyMap<string, ReadonlyMap<string, MethodShape>>;
}

// Plain-object view of the descriptor.proto messages we read (toObject with enums as names).
interface FieldDesc {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName?: string;
}
interface MessageDesc {
  name: string;
  field?: FieldDesc[];
  nestedType?: MessageDesc[];
  enumType?: EnumDesc[];
  options?: { mapEntry?: boolean };
}
interface EnumDesc {
  name: string;
  value?: { name: string; number: number }[];
}
interface ServiceDesc {
  name: string;
  method?: { name: string; inputType: string; outputType: string; clientStreaming?: boolean; serverStreaming?: boolean }[];
}
export interface FileDesc {
  name: string;
  package: string;
  messageType?: MessageDesc[];
  enumType?: EnumDesc[];
  service?: ServiceDesc[];
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const WINDOW = 1 << 20;

/** Offset of the deflate data of the gzip member at `at` (RFC 1952 header), or -1. */
function deflateStart(bin: Buffer, at: number): number {
  const flags = bin[at + 3] ?? 0xff;
  if ((flags & 0xe0) !== 0) return -1;
  let p = at + 10;
  if (flags & 0x04) p += 2 + (bin.readUInt16LE(p) || 0); // FEXTRA
  if (flags & 0x08) p = bin.indexOf(0, p) + 1; // FNAME
  if (flags & 0x10) p = bin.indexOf(0, p) + 1; // FCOMMENT
  if (flags & 0x02) p += 2; // FHCRC
  return p > at ? p : -1;
}

/** Every FileDescriptorProto gzipped inside `bin`, decoded. */
export function embeddedFileDescriptors(bin: Buffer): FileDesc[] {
  const found: FileDesc[] = [];
  const FileDescriptorProto = descriptor.FileDescriptorProto;
  for (let at = bin.indexOf(GZIP_MAGIC); at >= 0; at = bin.indexOf(GZIP_MAGIC, at + 1)) {
    const start = deflateStart(bin, at);
    if (start < 0) continue;
    let raw: Buffer;
    try {
      raw = inflateRawSync(bin.subarray(start, start + WINDOW), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      continue;
    }
    if (raw[0] !== 0x0a) continue; // field 1 (name), length-delimited
    try {
      const file = FileDescriptorProto.toObject(FileDescriptorProto.decode(raw), { enums: String }) as FileDesc;
      if (file.name && file.package) found.push(file);
    } catch {
      // not a descriptor after all
    }
  }
  return found;
}

/** The CRI `api.proto` of package runtime.v1 in `bin`, if any. */
export function runtimeV1Descriptor(bin: Buffer): FileDesc | undefined {
  return embeddedFileDescriptors(bin).find((f) => f.name === 'api.proto' && f.package === 'runtime.v1');
}

const SCALAR_BY_DESCRIPTOR_TYPE: Readonly<Record<string, string>> = {
  TYPE_DOUBLE: 'double',
  TYPE_FLOAT: 'float',
  TYPE_INT64: 'int64',
  TYPE_UINT64: 'uint64',
  TYPE_INT32: 'int32',
  TYPE_FIXED64: 'fixed64',
  TYPE_FIXED32: 'fixed32',
  TYPE_BOOL: 'bool',
  TYPE_STRING: 'string',
  TYPE_BYTES: 'bytes',
  TYPE_UINT32: 'uint32',
  TYPE_SFIXED32: 'sfixed32',
  TYPE_SFIXED64: 'sfixed64',
  TYPE_SINT32: 'sint32',
  TYPE_SINT64: 'sint64',
};

const strip = (name: string): string => name.replace(/^\./, '');

/** Reduce a decoded FileDescriptorProto; map entries become `map<K,V>` fields. */
export function shapeOfDescriptor(file: FileDesc): ProtoShape {
  const messages = new Map<string, Map<string, FieldShape>>();
  const enums = new Map<string, Map<string, number>>();
  const mapEntries = new Map<string, MessageDesc>();
  const collect = (m: MessageDesc, prefix: string): void => {
    const full = `${prefix}.${m.name}`;
    if (m.options?.mapEntry) mapEntries.set(full, m);
    for (const n of m.nestedType ?? []) collect(n, full);
    for (const e of m.enumType ?? []) enums.set(`${full}.${e.name}`, new Map((e.value ?? []).map((v) => [v.name, v.number])));
  };
  for (const m of file.messageType ?? []) collect(m, file.package);
  for (const e of file.enumType ?? []) enums.set(`${file.package}.${e.name}`, new Map((e.value ?? []).map((v) => [v.name, v.number])));
  const fieldType = (f: FieldDesc): string => {
    const scalar = SCALAR_BY_DESCRIPTOR_TYPE[f.type];
    if (scalar !== undefined) return scalar;
    const ref = strip(f.typeName ?? '');
    const entry = mapEntries.get(ref);
    if (entry === undefined) return ref;
    const [k, v] = ['key', 'value'].map((n) => entry.field?.find((x) => x.name === n));
    return `map<${k ? fieldType(k) : '?'},${v ? fieldType(v) : '?'}>`;
  };
  const walk = (m: MessageDesc, prefix: string): void => {
    const full = `${prefix}.${m.name}`;
    if (mapEntries.has(full)) return;
    messages.set(
      full,
      new Map(
        (m.field ?? []).map((f) => {
          const type = fieldType(f);
          return [f.name, { number: f.number, type, repeated: f.label === 'LABEL_REPEATED' && !type.startsWith('map<') }];
        }),
      ),
    );
    for (const n of m.nestedType ?? []) walk(n, full);
  };
  for (const m of file.messageType ?? []) walk(m, file.package);
  const services = new Map(
    (file.service ?? []).map((s) => [
      `${file.package}.${s.name}`,
      new Map(
        (s.method ?? []).map((m) => [
          m.name,
          {
            request: strip(m.inputType),
            response: strip(m.outputType),
            requestStream: !!m.clientStreaming,
            responseStream: !!m.serverStreaming,
          },
        ]),
      ),
    ]),
  );
  return { messages, enums, services };
}

/** Reduce a .proto file as protobufjs parses it (field names kept as written). */
export function shapeOfProtoFile(path: string): ProtoShape {
  const root = new protobuf.Root().loadSync(path, { keepCase: true });
  root.resolveAll();
  const messages = new Map<string, Map<string, FieldShape>>();
  const enums = new Map<string, Map<string, number>>();
  const services = new Map<string, Map<string, MethodShape>>();
  const full = (o: protobuf.ReflectionObject): string => strip(o.fullName);
  const typeOf = (f: protobuf.Field): string => (f.resolvedType ? full(f.resolvedType) : f.type);
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type) {
        messages.set(
          full(o),
          new Map(
            o.fieldsArray.map((f) => {
              const type = f instanceof protobuf.MapField ? `map<${f.keyType},${typeOf(f)}>` : typeOf(f);
              return [f.name, { number: f.id, type, repeated: f.repeated }];
            }),
          ),
        );
      } else if (o instanceof protobuf.Enum) {
        enums.set(full(o), new Map(Object.entries(o.values)));
      } else if (o instanceof protobuf.Service) {
        services.set(
          full(o),
          new Map(
            o.methodsArray.map((m) => [
              m.name,
              {
                request: full(m.resolvedRequestType!),
                response: full(m.resolvedResponseType!),
                requestStream: !!m.requestStream,
                responseStream: !!m.responseStream,
              },
            ]),
          ),
        );
      }
      if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) visit(o);
    }
  };
  visit(root);
  return { messages, enums, services };
}
