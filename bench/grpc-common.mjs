// What bench/grpc-upstream.mjs and bench/grpc-load.mjs share: the method's path, its
// request and reply (raw protobuf bytes, encoded here once), and a grpc-js method
// definition that passes them through untouched.

/** hello.HelloService's unary method (test/fixtures/grpc/hello.proto). */
export const GRPC_METHOD = '/hello.HelloService/SayHello'

/** HelloRequest { greeting: 'bench' }: field 1, length-delimited. */
export const GRPC_REQUEST = Buffer.concat([Buffer.from([0x0a, 5]), Buffer.from('bench')])

/** HelloResponse { reply: 98 'x' }: 100 bytes in all, as bench/upstream.mjs's body. */
export const GRPC_REPLY = Buffer.concat([Buffer.from([0x0a, 98]), Buffer.alloc(98, 'x')])

const same = (b) => b

/** A unary grpc-js method definition on `path` whose messages are Buffers as they are. */
export function rawMethod(path) {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  }
}
