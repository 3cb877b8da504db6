"""Loaded by every Python process a test starts (this folder is on the suite's ``PYTHONPATH``, see
``tests/conftest.py``): passwords are hashed at the test suite's low scrypt cost there too.

The hashing code is the same; only its work factor ``passwords.N`` is lowered, as Django's test
settings swap in a fast hasher.  A check reads the cost from the stored hash, so a command that signs
in against a test database pays a millisecond instead of 0.4 s — over the README's example and the
command-line tests, most of a minute of the suite.  Nothing outside the test suite puts this folder on
a path; the test that proves a real command stores full-cost hashes leaves it out
(``test_init_creates_a_database_once``).
"""

from modelunit.storage import passwords

passwords.N = 2**10  # tests/conftest.py TEST_SCRYPT_N
