def test_it_lists_proposals(world):
    r = world.client_for(world.owner).get("/proposals/")
    assert r.status_code == 200
    assert b"Route support tickets" in r.content
