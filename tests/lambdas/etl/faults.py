"""Storage that fails on purpose: the ETL's behaviour under a write failure at any point of a run."""


class Injected(RuntimeError):
    pass


class FailingOnWrite:
    """Wraps a storage; its Nth write (a put, a part or a completion) raises."""

    def __init__(self, storage, fail_at):
        self.storage, self.fail_at, self.writes = storage, fail_at, 0

    def _write(self):
        self.writes += 1
        if self.writes == self.fail_at:
            raise Injected(f"write {self.writes} failed")

    def list_objects(self, bucket, prefix):
        return self.storage.list_objects(bucket, prefix)

    def get(self, bucket, key):
        return self.storage.get(bucket, key)

    def delete(self, bucket, keys):
        self._write()
        self.storage.delete(bucket, keys)

    def put(self, bucket, key, body, content_type):
        self._write()
        self.storage.put(bucket, key, body, content_type)

    def start_upload(self, bucket, key, content_type):
        self._write()
        upload, wrapper = self.storage.start_upload(bucket, key, content_type), self

        class Upload:
            def write_part(self, body):
                wrapper._write()
                upload.write_part(body)

            def complete(self):
                wrapper._write()
                upload.complete()

            def abort(self):
                upload.abort()

        return Upload()
