# examples/unittest_send_fax.py
import unittest

from faxclient import FaxageClient

from faxage_sim import EmbeddedSimulator


class SendFaxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.simulator = EmbeddedSimulator().start()  # one emulator for the class
        cls.addClassCleanup(cls.simulator.stop)

    def setUp(self):
        self.sim = self.simulator.new_account()  # a fresh account for each test
        self.addCleanup(self.sim.close)
        self.client = self.enterContext(
            FaxageClient(self.sim.httpsfax_url, **self.sim.credentials))

    def test_a_fax_goes_through(self):
        jobid = self.client.send("3039911234", "hello.txt", b"Hello, fax!")
        self.sim.advance(120)
        self.assertEqual(self.client.status(jobid), ("success", "Success"))

    def test_no_answer_fails(self):
        jobid = self.client.send("3039910002", "hello.txt", b"Hello, fax!")
        self.sim.advance_until_idle()
        self.assertEqual(self.client.status(jobid),
                         ("failure", "No answer from remote; too many attempts to dial"))


if __name__ == "__main__":
    unittest.main()
