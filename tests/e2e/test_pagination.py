"""ListPipelines pagination: order, stability under change, bad tokens, paginators."""

import base64
import unittest

from botocore.exceptions import ClientError, ParamValidationError

from sluice_server import ServerTestCase, pipeline_decl

COUNT = 25
PAGE = 7


def names_of(page):
    return [p["name"] for p in page["pipelines"]]


class PaginationTest(ServerTestCase):

    def client_for(self, access_key):
        """A client in its own account, so tests do not see each other's pipelines."""
        return self.server.client(access_key=access_key, region="us-east-2")

    def populate(self, cp, names):
        for name in names:
            cp.create_pipeline(pipeline=pipeline_decl(name))

    def test_pages_in_order_each_name_once(self):
        cp = self.client_for("100000000001")
        names = [f"pipe-{i:02d}" for i in range(COUNT)]
        # Created out of order; listed in name order.
        self.populate(cp, reversed(names))
        seen, sizes, token = [], [], None
        while True:
            kwargs = {"maxResults": PAGE}
            if token:
                kwargs["nextToken"] = token
            page = cp.list_pipelines(**kwargs)
            seen += names_of(page)
            sizes.append(len(page["pipelines"]))
            token = page.get("nextToken")
            if not token:
                break
            self.assertLess(len(sizes), 10, "pagination does not terminate")
        self.assertEqual(seen, sorted(names))
        self.assertEqual(sizes, [7, 7, 7, 4])

    def test_default_page_size_and_exact_fit(self):
        cp = self.client_for("100000000002")
        names = [f"fit-{i:02d}" for i in range(14)]
        self.populate(cp, names)
        everything = cp.list_pipelines()
        self.assertEqual(names_of(everything), names)
        self.assertNotIn("nextToken", everything)
        # Two exact pages: the second has no token after it.
        first = cp.list_pipelines(maxResults=7)
        self.assertEqual(names_of(first), names[:7])
        second = cp.list_pipelines(maxResults=7, nextToken=first["nextToken"])
        self.assertEqual(names_of(second), names[7:])
        self.assertNotIn("nextToken", second)
        self.assertEqual(names_of(cp.list_pipelines(maxResults=1000)), names)

    def test_default_page_is_100(self):
        cp = self.client_for("100000000003")
        names = sorted(f"many-{i:03d}" for i in range(105))
        self.populate(cp, names)
        first = cp.list_pipelines()
        self.assertEqual(names_of(first), names[:100])
        self.assertIn("nextToken", first)
        rest = cp.list_pipelines(nextToken=first["nextToken"])
        self.assertEqual(names_of(rest), names[100:])
        self.assertNotIn("nextToken", rest)

    def test_changes_between_pages(self):
        cp = self.client_for("100000000004")
        names = [f"p{i:02d}" for i in range(0, 50, 2)]  # p00 p02 ... p48: 25 names
        self.assertEqual(len(names), COUNT)
        self.populate(cp, names)

        first = cp.list_pipelines(maxResults=PAGE)
        self.assertEqual(names_of(first), names[:7])  # p00..p12
        # Behind the cursor: add p01, delete p04. Ahead: add p13, delete p16.
        # And delete the very pipeline the cursor points at.
        cp.create_pipeline(pipeline=pipeline_decl("p01"))
        cp.delete_pipeline(name="p04")
        cp.create_pipeline(pipeline=pipeline_decl("p13"))
        cp.delete_pipeline(name="p16")
        cp.delete_pipeline(name="p12")

        second = cp.list_pipelines(maxResults=PAGE, nextToken=first["nextToken"])
        self.assertEqual(names_of(second), ["p13", "p14", "p18", "p20", "p22", "p24", "p26"])
        # Again: behind (p15 added, p20 deleted), ahead (p47 added).
        cp.create_pipeline(pipeline=pipeline_decl("p15"))
        cp.delete_pipeline(name="p20")
        cp.create_pipeline(pipeline=pipeline_decl("p47"))

        seen = names_of(first) + names_of(second)
        token = second["nextToken"]
        pages = 2
        while token:
            page = cp.list_pipelines(maxResults=PAGE, nextToken=token)
            seen += names_of(page)
            token = page.get("nextToken")
            pages += 1
            self.assertLess(pages, 10, "pagination does not terminate")

        self.assertEqual(len(seen), len(set(seen)), f"a name was repeated: {seen}")
        self.assertEqual(seen, [
            "p00", "p02", "p04", "p06", "p08", "p10", "p12",
            "p13", "p14", "p18", "p20", "p22", "p24", "p26",
            "p28", "p30", "p32", "p34", "p36", "p38", "p40",
            "p42", "p44", "p46", "p47", "p48",
        ])
        # The names behind the cursor are what the listing says now.
        current = [p["name"] for p in cp.get_paginator("list_pipelines").paginate()
                   .build_full_result()["pipelines"]]
        self.assertEqual(current[:7], ["p00", "p01", "p02", "p06", "p08", "p10", "p13"])

    def test_invalid_token(self):
        cp = self.client_for("100000000005")
        self.populate(cp, ["tok-a", "tok-b"])
        bogus = [
            "garbage",
            "!!!not-base64!!!",
            base64.urlsafe_b64encode(b"other:tok-a").decode().rstrip("="),
            "a",
        ]
        for token in bogus:
            with self.subTest(token=token):
                with self.assertRaises(ClientError) as ctx:
                    cp.list_pipelines(nextToken=token)
                self.assertClientError(ctx, "InvalidNextTokenException")

    def test_max_results_bounds(self):
        cp = self.client_for("100000000006")
        for bad in (0, 1001):
            with self.subTest(maxResults=bad):
                with self.assertRaises((ClientError, ParamValidationError)) as ctx:
                    cp.list_pipelines(maxResults=bad)
                if isinstance(ctx.exception, ClientError):
                    self.assertClientError(ctx, "ValidationException")
        # The SDK checks the minimum itself; the server must too.
        status, _, body = self.server.call("ListPipelines", {"maxResults": 0})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ValidationException")
        self.assertEqual(
            body["message"],
            "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1")
        status, _, body = self.server.call("ListPipelines", {"maxResults": 1001})
        self.assertEqual(status, 400)
        self.assertEqual(
            body["message"],
            "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: "
            "Member must have value less than or equal to 1000")

    def test_paginator(self):
        cp = self.client_for("100000000007")
        names = [f"pg-{i:02d}" for i in range(COUNT)]
        self.populate(cp, names)
        paginator = cp.get_paginator("list_pipelines")
        pages = list(paginator.paginate(PaginationConfig={"PageSize": PAGE}))
        self.assertEqual([len(p["pipelines"]) for p in pages], [7, 7, 7, 4])
        self.assertEqual([n for p in pages for n in names_of(p)], names)
        limited = paginator.paginate(
            PaginationConfig={"PageSize": PAGE, "MaxItems": 10}).build_full_result()
        self.assertEqual([p["name"] for p in limited["pipelines"]], names[:10])
        # botocore's resume token continues where MaxItems stopped.
        rest = paginator.paginate(PaginationConfig={
            "PageSize": PAGE, "StartingToken": limited["NextToken"]}).build_full_result()
        self.assertEqual([p["name"] for p in rest["pipelines"]], names[10:])

    def test_empty_scope(self):
        cp = self.client_for("100000000008")
        page = cp.list_pipelines(maxResults=PAGE)
        self.assertEqual(page["pipelines"], [])
        self.assertNotIn("nextToken", page)


if __name__ == "__main__":
    unittest.main()
